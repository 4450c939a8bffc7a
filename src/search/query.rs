//! A listing's search as a query on the index, and one page of its matches.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::Bound;

use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::{Column, ColumnIndex};
use tantivy::query::doc_predicate_query::{DocPredicateQuery, FunctionPredicate};
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EmptyQuery, EnableScoring, Occur, Query, RangeQuery, TermQuery,
    TermSetQuery,
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
    /// word as its own language stems it. Empty: a listing without search words, where every
    /// item the filters keep matches.
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

fn i64_range(field: Field, (lower, upper): (Bound<i64>, Bound<i64>)) -> Box<dyn Query> {
    let term = |value| Term::from_field_i64(field, value);
    Box::new(RangeQuery::new(lower.map(term), upper.map(term)))
}

impl Plan {
    fn query(&self, searcher: &Searcher, fields: &Fields) -> Box<dyn Query> {
        let per_language: Vec<(Occur, Box<dyn Query>)> = self
            .matchable(searcher, fields)
            .into_iter()
            .map(|(lang, words)| (Occur::Should, all_words(fields, lang, words)))
            .collect();
        let words: Box<dyn Query> = match (self.words.is_empty(), per_language.is_empty()) {
            (true, _) => Box::new(AllQuery),
            (false, true) => Box::new(EmptyQuery),
            (false, false) => Box::new(BooleanQuery::new(per_language)),
        };
        let mut all = vec![(Occur::Must, words)];
        if self.published != (Bound::Unbounded, Bound::Unbounded) {
            all.push(filter(i64_range(fields.published, self.published)));
        }
        if let Some(after) = self.updated_after {
            all.push(filter(i64_range(fields.updated, (Bound::Excluded(after), Bound::Unbounded))));
        }
        if let Some(order) = &self.languages {
            all.push(filter(best_in(order)));
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

    /// The languages whose words are all in some document, each with its words: in the
    /// others nothing matches.
    fn matchable<'a>(&'a self, searcher: &Searcher, fields: &Fields) -> Vec<(&'a str, &'a [String])> {
        let found = |lang: &str, word: &str| searcher.doc_freq(&word_term(fields, lang, word)).is_ok_and(|n| n > 0);
        self.words
            .iter()
            .filter(|(lang, words)| !words.is_empty() && words.iter().all(|word| found(lang, word)))
            .map(|(lang, words)| (lang.as_str(), words.as_slice()))
            .collect()
    }

    /// The words alone, when they are all the plan asks (one language whose words some
    /// documents have, and no filter): a query of terms only, whose best matches are found
    /// without scoring every match (block-max WAND).
    fn words_only(&self, searcher: &Searcher, fields: &Fields) -> Option<Box<dyn Query>> {
        let Plan {
            words: _,
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
        if filtered {
            return None;
        }
        match self.matchable(searcher, fields).as_slice() {
            [(lang, words)] => Some(all_words(fields, lang, words)),
            _ => None,
        }
    }
}

fn word_term(fields: &Fields, lang: &str, word: &str) -> Term {
    Term::from_field_text(fields.words, &super::word_in(lang, word))
}

/// Items in `lang` that have every one of `words`, ranked by them.
fn all_words(fields: &Fields, lang: &str, words: &[String]) -> Box<dyn Query> {
    let ranked = |word: &String| -> Box<dyn Query> {
        Box::new(TermQuery::new(word_term(fields, lang, word), IndexRecordOption::WithFreqs))
    };
    match words {
        [word] => ranked(word),
        _ => Box::new(BooleanQuery::new(words.iter().map(|word| (Occur::Must, ranked(word))).collect())),
    }
}

/// Items that are their story's best in `order`: in one of its languages, with no other
/// item of the story that readers see in a language before it. Judged on each candidate from
/// the columns of its language and its story's: a union of one clause per language would have
/// a search walk every item in those languages, not only the items that have its words.
fn best_in(order: &[String]) -> Box<dyn Query> {
    if order.is_empty() {
        return Box::new(EmptyQuery);
    }
    let order = order.to_vec();
    let best = FunctionPredicate::from(move |segment: &SegmentReader| {
        let (own, story) = (ranked(segment, "lang", &order)?, ranked(segment, "story", &order)?);
        Ok(move |doc: DocId| {
            let own = own(doc);
            own != usize::MAX && own < story(doc)
        })
    });
    Box::new(DocPredicateQuery::from(best))
}

/// Reads a segment's column of language tags (each value one or more, space separated) as the
/// place in `order` of the first of a document's tags that it has (`usize::MAX`: none, or no
/// value). Each distinct value is placed once per segment, so a document costs one read.
fn ranked(segment: &SegmentReader, name: &str, order: &[String]) -> tantivy::Result<impl Fn(DocId) -> usize + use<>> {
    let (ranks, ords) = match segment.fast_fields().str(name)? {
        Some(column) => {
            let mut ranks = Vec::with_capacity(column.dictionary().num_terms());
            let mut value = String::new();
            for ord in 0..column.dictionary().num_terms() as u64 {
                column.ord_to_str(ord, &mut value)?;
                let tags = value.split_whitespace();
                ranks
                    .push(tags.filter_map(|tag| order.iter().position(|lang| lang == tag)).min().unwrap_or(usize::MAX));
            }
            (ranks, Some(column.into_parts().1))
        }
        None => (Vec::new(), None),
    };
    let full = ords.as_ref().is_some_and(|ords| matches!(ords.index, ColumnIndex::Full));
    Ok(move |doc| match &ords {
        Some(ords) if full => ranks[ords.values.get_val(doc) as usize],
        Some(ords) => ords.first(doc).map_or(usize::MAX, |ord| ranks[ord as usize]),
        None => usize::MAX,
    })
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
            doc.add_text(fields.words, super::super::words_in("en", &[&words]));
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

    /// Stories with items in every combination of four languages, over three segments: a
    /// search in a reader's order finds of each story only its best item, when that item has
    /// the words.
    #[test]
    fn a_story_is_found_by_its_best_item_in_the_readers_order_only() {
        const LANGUAGES: [&str; 4] = ["en", "fr", "es", "ar"];
        let (schema, fields) = Fields::schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(super::super::WORDS, TextAnalyzer::from(WhitespaceTokenizer::default()));
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        // Each story's items, by language: (id, whether it has the word "rare").
        let mut stories: Vec<Vec<(&str, u64, bool)>> = Vec::new();
        let mut id = 0;
        for languages in 1..16_u32 {
            let story: Vec<&str> = (0..4).filter(|i| (languages >> i) & 1 == 1).map(|i| LANGUAGES[i]).collect();
            let mut items = Vec::new();
            for &lang in &story {
                id += 1;
                let rare = id % 3 != 0;
                let mut doc = TantivyDocument::new();
                doc.add_u64(fields.id, id);
                doc.add_text(
                    fields.words,
                    super::super::words_in(lang, &[if rare { "common rare" } else { "common" }]),
                );
                doc.add_text(fields.lang, lang);
                doc.add_i64(fields.published, id as i64);
                if let Some(others) = super::super::story_value(story.iter().copied().filter(|&other| other != lang)) {
                    doc.add_text(fields.story, others);
                }
                writer.add_document(doc).unwrap();
                items.push((lang, id, rare));
            }
            stories.push(items);
            if languages % 5 == 0 {
                writer.commit().unwrap();
            }
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        for order in [&["fr", "en", "es", "ar"][..], &["ar", "es"], &["fr"], &["de", "es"], &[]] {
            for word in ["common", "rare"] {
                let mut plan = plan(&[word], 0, 1000);
                plan.words = LANGUAGES.iter().map(|&lang| (lang.to_owned(), vec![word.to_owned()])).collect();
                plan.languages = Some(order.iter().map(|&lang| lang.to_owned()).collect());
                plan.order = Order::Oldest;
                let expected: Vec<NewsId> = stories
                    .iter()
                    .filter_map(|items| order.iter().find_map(|&lang| items.iter().find(|item| item.0 == lang)))
                    .filter(|&&(_, _, rare)| word == "common" || rare)
                    .map(|&(_, id, _)| NewsId(id as i64))
                    .collect();
                let found = run(&searcher, &fields, &plan).unwrap();
                assert_eq!((found.total, &found.ids), (expected.len(), &expected), "{order:?} {word}");
            }
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
                // A word no document has matches nothing, with no query at all.
                assert_eq!(pruned.words_only(&searcher, &fields).is_some(), words != ["absent"], "{words:?}");
                let mut scored = pruned.clone();
                scored.published = (Bound::Unbounded, Bound::Included(i64::MAX));
                assert!(scored.words_only(&searcher, &fields).is_none());
                let (pruned, scored) =
                    (run(&searcher, &fields, &pruned).unwrap(), run(&searcher, &fields, &scored).unwrap());
                assert_eq!(pruned.total, scored.total, "{words:?}");
                assert_eq!(pruned.ids, scored.ids, "{words:?} from {offset}, {limit}");
            }
        }
        assert_eq!(run(&searcher, &fields, &plan(&["absent"], 0, 10)).unwrap().total, 0);
        let all = run(&searcher, &fields, &plan(&["common"], 0, 1000)).unwrap();
        assert_eq!((all.total, all.ids.len()), (DOCUMENTS as usize - 6, DOCUMENTS as usize - 6));
        assert!(!all.ids.contains(&NewsId(250)));
    }

    /// A plan without words lists every document that its filters keep, in publication order,
    /// and counts them all.
    #[test]
    fn a_plan_without_words_lists_every_document_its_filters_keep() {
        let (searcher, fields) = searcher();
        let live = |ids: &mut dyn Iterator<Item = u64>| -> Vec<NewsId> {
            ids.filter(|id| ![5, 6, 250, 251, 252, 599].contains(id)).map(|id| NewsId(id as i64)).collect()
        };
        let mut newest = plan(&[], 0, 10);
        newest.words.clear();
        newest.order = Order::Newest;
        let found = run(&searcher, &fields, &newest).unwrap();
        assert_eq!(found.total, DOCUMENTS as usize - 6);
        assert_eq!(found.ids, live(&mut (589..=DOCUMENTS).rev())[..10]);
        let mut oldest = newest.clone();
        (oldest.order, oldest.offset, oldest.published) =
            (Order::Oldest, 2, (Bound::Included(240), Bound::Excluded(260)));
        let found = run(&searcher, &fields, &oldest).unwrap();
        let kept = live(&mut (240..260));
        assert_eq!((found.total, found.ids.as_slice()), (kept.len(), &kept[2..12]));
    }
}
