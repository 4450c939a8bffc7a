//! A listing's search as a query on the index, and one page of its matches.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::Bound;

use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::{Column, ColumnIndex};
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, EmptyQuery, EnableScoring, Occur, Query, RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader, Term};

use super::{Fields, SearchError};
use crate::domain::ids::NewsId;

/// What a listing asks of the index, its filters read from the store where they name rows
/// (a topic's slug: its id).
#[derive(Debug, Clone)]
pub struct Plan {
    /// Each site language with the words as it stems them: an item matches when it has every
    /// word as its own language stems it.
    pub words: Vec<(String, Vec<String>)>,
    /// Bounds on the publication time, microseconds since the epoch.
    pub published: (Bound<i64>, Bound<i64>),
    /// Whether the upper bound is the time of the search (readers see nothing scheduled).
    pub until_now: bool,
    /// Changed after this instant (microseconds).
    pub updated_after: Option<i64>,
    /// The languages shown, best first, each story once (by its best item).
    pub languages: Option<Vec<String>>,
    /// Any of these ids, for each filter given (empty: nothing matches).
    pub topics: Option<Vec<u64>>,
    pub regions: Option<Vec<u64>>,
    pub authors: Option<Vec<u64>>,
    pub organizations: Option<Vec<u64>>,
    pub tags: Option<Vec<String>>,
    pub order: Order,
    /// Past this publication time and id, in the order (newest or oldest first).
    pub after: Option<(i64, u64)>,
    pub offset: usize,
    pub limit: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    /// Best match first; among equals, the newest id.
    #[default]
    Relevance,
    Newest,
    Oldest,
}

/// A page of matches in the plan's order, and how many match in all.
#[derive(Debug)]
pub struct Found {
    pub ids: Vec<NewsId>,
    pub total: usize,
}

/// A condition that takes no part in ranking.
fn filter(query: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Must, Box::new(ConstScoreQuery::new(query, 0.0)))
}

fn any_of_ids(field: Field, ids: &[u64]) -> Box<dyn Query> {
    Box::new(TermSetQuery::new(ids.iter().map(|&id| Term::from_field_u64(field, id))))
}

fn any_of_texts(field: Field, texts: &[String]) -> Box<dyn Query> {
    Box::new(TermSetQuery::new(texts.iter().map(|text| Term::from_field_text(field, text))))
}

fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::Basic))
}

fn i64_range(field: Field, (lower, upper): (Bound<i64>, Bound<i64>)) -> Box<dyn Query> {
    let term = |value| Term::from_field_i64(field, value);
    Box::new(RangeQuery::new(lower.map(term), upper.map(term)))
}

impl Plan {
    fn query(&self, searcher: &Searcher, fields: &Fields) -> Box<dyn Query> {
        let per_language: Vec<(Occur, Box<dyn Query>)> = self
            .words
            .iter()
            .map(|(lang, words)| {
                // Not asked of every document when every document is in that language.
                let mut all = match every_document_in(searcher, fields, lang) {
                    true => Vec::new(),
                    false => vec![filter(term(fields.lang, lang))],
                };
                all.extend(words.iter().map(|word| (Occur::Must, ranked_word(fields, word))));
                (Occur::Should, Box::new(BooleanQuery::new(all)) as Box<dyn Query>)
            })
            .collect();
        let mut all = vec![(Occur::Must, Box::new(BooleanQuery::new(per_language)) as Box<dyn Query>)];
        if self.published != (Bound::Unbounded, Bound::Unbounded) {
            all.push(filter(i64_range(fields.published, self.published)));
        }
        if let Some(after) = self.updated_after {
            all.push(filter(i64_range(fields.updated, (Bound::Excluded(after), Bound::Unbounded))));
        }
        if let Some(order) = &self.languages {
            all.push(filter(best_in(fields, order)));
        }
        for (field, ids) in [
            (fields.topic, &self.topics),
            (fields.region, &self.regions),
            (fields.author, &self.authors),
            (fields.organization, &self.organizations),
        ] {
            if let Some(ids) = ids {
                all.push(filter(any_of_ids(field, ids)));
            }
        }
        if let Some(tags) = &self.tags {
            all.push(filter(any_of_texts(fields.tag, tags)));
        }
        if let Some((published, id)) = self.after {
            all.push(filter(past(fields, self.order, published, id)));
        }
        Box::new(BooleanQuery::new(all))
    }

    /// The words alone, when they are all the plan asks (one language, which every document is
    /// in, and no filter): a query of terms only, whose best matches are found without scoring
    /// every match (block-max WAND).
    fn words_only(&self, searcher: &Searcher, fields: &Fields) -> Option<Box<dyn Query>> {
        let Plan {
            words,
            published,
            until_now: _,
            updated_after,
            languages,
            topics,
            regions,
            authors,
            organizations,
            tags,
            order: _,
            after,
            offset: _,
            limit: _,
        } = self;
        let filtered = *published != (Bound::Unbounded, Bound::Unbounded)
            || updated_after.is_some()
            || languages.is_some()
            || [topics, regions, authors, organizations].iter().any(|ids| ids.is_some())
            || tags.is_some()
            || after.is_some();
        let [(lang, words)] = words.as_slice() else { return None };
        if filtered || words.is_empty() || !every_document_in(searcher, fields, lang) {
            return None;
        }
        Some(match words.as_slice() {
            [word] => ranked_word(fields, word),
            _ => {
                Box::new(BooleanQuery::new(words.iter().map(|word| (Occur::Must, ranked_word(fields, word))).collect()))
            }
        })
    }
}

/// Whether every document is in `lang` (documents taken out but not yet merged away count
/// on both sides).
fn every_document_in(searcher: &Searcher, fields: &Fields, lang: &str) -> bool {
    let documents: u64 = searcher.segment_readers().iter().map(|segment| u64::from(segment.max_doc())).sum();
    searcher.doc_freq(&Term::from_field_text(fields.lang, lang)).is_ok_and(|n| n == documents)
}

fn ranked_word(fields: &Fields, word: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(fields.words, word), IndexRecordOption::WithFreqs))
}

/// Items that are their story's best in `order`: in one of its languages, with no other
/// item of the story that readers see in a language before it.
fn best_in(fields: &Fields, order: &[String]) -> Box<dyn Query> {
    if order.is_empty() {
        return Box::new(EmptyQuery);
    }
    let choices: Vec<(Occur, Box<dyn Query>)> = order
        .iter()
        .enumerate()
        .map(|(i, lang)| {
            let mut this = vec![(Occur::Must, term(fields.lang, lang))];
            if i > 0 {
                this.push((Occur::MustNot, any_of_texts(fields.story, &order[..i])));
            }
            (Occur::Should, Box::new(BooleanQuery::new(this)) as Box<dyn Query>)
        })
        .collect();
    Box::new(BooleanQuery::new(choices))
}

/// Items after (`published`, `id`) in the order: a cursor's position.
fn past(fields: &Fields, order: Order, published: i64, id: u64) -> Box<dyn Query> {
    let (earlier, lower_id) = match order {
        Order::Oldest => (false, false),
        Order::Newest | Order::Relevance => (true, true),
    };
    let time_beyond = match earlier {
        true => (Bound::Unbounded, Bound::Excluded(published)),
        false => (Bound::Excluded(published), Bound::Unbounded),
    };
    let id_term = |value| Term::from_field_u64(fields.id, value);
    let id_beyond = match lower_id {
        true => RangeQuery::new(Bound::Unbounded, Bound::Excluded(id_term(id))),
        false => RangeQuery::new(Bound::Excluded(id_term(id)), Bound::Unbounded),
    };
    let same_time =
        Box::new(TermQuery::new(Term::from_field_i64(fields.published, published), IndexRecordOption::Basic));
    let tie = BooleanQuery::new(vec![(Occur::Must, same_time as Box<dyn Query>), (Occur::Must, Box::new(id_beyond))]);
    Box::new(BooleanQuery::new(vec![
        (Occur::Should, i64_range(fields.published, time_beyond)),
        (Occur::Should, Box::new(tie)),
    ]))
}

/// Reads a fast field by document. Every document has an id and a publication time, so their
/// columns are full: read by document number, without the column's index of which documents
/// have a value (reading both columns through it, for every match, was a fifth of a common
/// word's search at a million items).
fn by_doc<T: PartialOrd + Copy + Default + std::fmt::Debug + Send + Sync + 'static>(
    column: tantivy::Result<Column<T>>,
) -> impl Fn(DocId) -> T + use<T> {
    let column = column.ok();
    let full = column.as_ref().is_some_and(|c| matches!(c.index, ColumnIndex::Full));
    move |doc| match &column {
        Some(c) if full => c.values.get_val(doc),
        Some(c) => c.first(doc).unwrap_or_default(),
        None => T::default(),
    }
}

/// The publication time and item id of each document of a segment.
fn keys(segment: &SegmentReader) -> impl Fn(DocId) -> (i64, u64) + use<> {
    let (published, ids) = (by_doc(segment.fast_fields().i64("published")), by_doc(segment.fast_fields().u64("id")));
    move |doc| (published(doc), ids(doc))
}

/// The best `offset + limit` matches of a query of words, by score, among equals the newest
/// (highest id) first, without scoring every match. Pruning skips blocks of matches that
/// cannot beat the lowest score kept so far, ties with it too: so it first finds the lowest
/// score of the page, then collects every match that scores at least that, and orders them.
fn best(searcher: &Searcher, query: &dyn Query, offset: usize, limit: usize) -> tantivy::Result<Vec<u64>> {
    let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
    let wanted = offset + limit;
    // BM25 scores are never negative, so their bits order them as the scores do.
    let mut kept: BinaryHeap<Reverse<u32>> = BinaryHeap::with_capacity(wanted + 1);
    let lowest = |kept: &BinaryHeap<Reverse<u32>>| match kept.peek() {
        Some(Reverse(bits)) if kept.len() == wanted => f32::from_bits(*bits),
        _ => f32::MIN,
    };
    for segment in searcher.segment_readers() {
        let alive = segment.alive_bitset();
        weight.for_each_pruning(lowest(&kept), segment, &mut |doc, score| {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                kept.push(Reverse(score.to_bits()));
                if kept.len() > wanted {
                    kept.pop();
                }
            }
            lowest(&kept)
        })?;
    }
    let floor = match kept.len() == wanted {
        true => lowest(&kept).next_down(),
        false => f32::MIN,
    };
    let mut found: Vec<(u32, u64)> = Vec::new();
    for segment in searcher.segment_readers() {
        let (alive, ids) = (segment.alive_bitset(), by_doc(segment.fast_fields().u64("id")));
        weight.for_each_pruning(floor, segment, &mut |doc, score| {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                found.push((score.to_bits(), ids(doc)));
            }
            floor
        })?;
    }
    found.sort_unstable_by(|a, b| b.cmp(a));
    Ok(found.into_iter().skip(offset).take(limit).map(|(_, id)| id).collect())
}

pub fn run(searcher: &Searcher, fields: &Fields, plan: &Plan) -> Result<Found, SearchError> {
    if plan.order == Order::Relevance
        && let Some(words) = plan.words_only(searcher, fields)
    {
        let ids = best(searcher, words.as_ref(), plan.offset, plan.limit.max(1))?;
        return Ok(Found { ids: news_ids(ids), total: words.count(searcher)? });
    }
    let query = plan.query(searcher, fields);
    let top = TopDocs::with_limit(plan.limit.max(1)).and_offset(plan.offset);
    let (total, docs) = match plan.order {
        Order::Relevance => {
            let ranked = top.tweak_score(|segment: &SegmentReader| {
                let ids = by_doc(segment.fast_fields().u64("id"));
                move |doc: DocId, score: Score| (score, ids(doc))
            });
            let (total, docs) = searcher.search(&query, &(Count, ranked))?;
            (total, docs.into_iter().map(|((_, id), _)| id).collect::<Vec<u64>>())
        }
        Order::Newest => {
            let newest = top.tweak_score(|segment: &SegmentReader| {
                let keys = keys(segment);
                move |doc: DocId, _: Score| keys(doc)
            });
            let (total, docs) = searcher.search(&query, &(Count, newest))?;
            (total, docs.into_iter().map(|((_, id), _)| id).collect())
        }
        Order::Oldest => {
            let oldest = top.tweak_score(|segment: &SegmentReader| {
                let keys = keys(segment);
                move |doc: DocId, _: Score| {
                    let (at, id) = keys(doc);
                    (std::cmp::Reverse(at), std::cmp::Reverse(id))
                }
            });
            let (total, docs) = searcher.search(&query, &(Count, oldest))?;
            (total, docs.into_iter().map(|((_, std::cmp::Reverse(id)), _)| id).collect())
        }
    };
    Ok(Found { ids: news_ids(docs), total })
}

fn news_ids(ids: Vec<u64>) -> Vec<NewsId> {
    ids.into_iter().filter_map(|id| i64::try_from(id).ok()).map(NewsId).collect()
}

/// The publication time of every match (microseconds), for archive counts.
pub fn published(searcher: &Searcher, fields: &Fields, plan: &Plan) -> Result<Vec<i64>, SearchError> {
    Ok(searcher.search(&plan.query(searcher, fields), &Published)?)
}

/// Collects the publication time of each match, unranked.
struct Published;

struct SegmentPublished {
    column: Column<i64>,
    found: Vec<i64>,
}

impl Collector for Published {
    type Fruit = Vec<i64>;
    type Child = SegmentPublished;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SegmentPublished> {
        Ok(SegmentPublished { column: segment.fast_fields().i64("published")?, found: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<i64>>) -> tantivy::Result<Vec<i64>> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for SegmentPublished {
    type Fruit = Vec<i64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.found.extend(self.column.first(doc));
    }

    fn harvest(self) -> Vec<i64> {
        self.found
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
    use tantivy::{Index, TantivyDocument};

    use super::*;

    const DOCUMENTS: u64 = 600;

    /// Three segments of documents that all have "common", with few distinct scores (the
    /// word 1 to 3 times, in texts of 4 lengths: many ties), and "rare" in a third of them;
    /// some documents taken out.
    fn searcher() -> (Searcher, Fields) {
        let (schema, fields) = Fields::schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(super::super::WORDS, TextAnalyzer::from(WhitespaceTokenizer::default()));
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for id in 1..=DOCUMENTS {
            let mut words = "common ".repeat(1 + (id % 3) as usize) + &"filler ".repeat((id % 4) as usize);
            if id % 3 == 0 {
                words.push_str("rare");
            }
            let mut doc = TantivyDocument::new();
            doc.add_u64(fields.id, id);
            doc.add_text(fields.words, &words);
            doc.add_text(fields.lang, "en");
            doc.add_i64(fields.published, id as i64);
            writer.add_document(doc).unwrap();
            if id % 200 == 0 {
                writer.commit().unwrap();
            }
        }
        for id in [5, 6, 250, 251, 252, 599] {
            writer.delete_term(Term::from_field_u64(fields.id, id));
        }
        writer.commit().unwrap();
        (index.reader().unwrap().searcher(), fields)
    }

    fn plan(words: &[&str], offset: usize, limit: usize) -> Plan {
        Plan {
            words: vec![("en".to_owned(), words.iter().map(|w| w.to_string()).collect())],
            published: (Bound::Unbounded, Bound::Unbounded),
            until_now: false,
            updated_after: None,
            languages: None,
            topics: None,
            regions: None,
            authors: None,
            organizations: None,
            tags: None,
            order: Order::Relevance,
            after: None,
            offset,
            limit,
        }
    }

    /// Every page of a search of words alone (pruned) is the page of the same search with a
    /// condition that every document meets (every match scored): ties at a page's edge too.
    #[test]
    fn pruned_pages_are_the_pages_of_every_match_ranked() {
        let (searcher, fields) = searcher();
        for words in [&["common"][..], &["rare"], &["common", "rare"], &["absent"]] {
            for (offset, limit) in [(0, 1), (0, 20), (3, 7), (19, 20), (40, 50), (150, 50), (590, 20), (0, 1000)] {
                let pruned = plan(words, offset, limit);
                assert!(pruned.words_only(&searcher, &fields).is_some(), "{words:?}");
                let mut scored = pruned.clone();
                scored.published = (Bound::Unbounded, Bound::Included(i64::MAX));
                assert!(scored.words_only(&searcher, &fields).is_none());
                let (pruned, scored) =
                    (run(&searcher, &fields, &pruned).unwrap(), run(&searcher, &fields, &scored).unwrap());
                assert_eq!(pruned.total, scored.total, "{words:?}");
                assert_eq!(pruned.ids, scored.ids, "{words:?} from {offset}, {limit}");
            }
        }
        let all = run(&searcher, &fields, &plan(&["common"], 0, 1000)).unwrap();
        assert_eq!((all.total, all.ids.len()), (DOCUMENTS as usize - 6, DOCUMENTS as usize - 6));
        assert!(!all.ids.contains(&NewsId(250)));
    }
}
