//! A listing's search as a query on the index, and one page of its matches.

use std::ops::Bound;

use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, ConstScoreQuery, EmptyQuery, Occur, Query, RangeQuery, TermQuery, TermSetQuery};
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
        // Documents taken out but not yet merged away count too, in both.
        let documents: u64 = searcher.segment_readers().iter().map(|segment| u64::from(segment.max_doc())).sum();
        let per_language: Vec<(Occur, Box<dyn Query>)> = self
            .words
            .iter()
            .map(|(lang, words)| {
                let in_lang = Term::from_field_text(fields.lang, lang);
                // Not asked of every document when every document is in that language.
                let mut all = match searcher.doc_freq(&in_lang) {
                    Ok(n) if n == documents => Vec::new(),
                    _ => vec![filter(term(fields.lang, lang))],
                };
                all.extend(words.iter().map(|word| {
                    let word = Term::from_field_text(fields.words, word);
                    (Occur::Must, Box::new(TermQuery::new(word, IndexRecordOption::WithFreqs)) as Box<dyn Query>)
                }));
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

/// The item id and publication time of each document of a segment.
fn keys(segment: &SegmentReader) -> impl Fn(DocId) -> (i64, u64) + use<> {
    let fast = segment.fast_fields();
    let ids = fast.u64("id").ok();
    let published = fast.i64("published").ok();
    move |doc| {
        let id = ids.as_ref().and_then(|c| c.first(doc)).unwrap_or_default();
        let at = published.as_ref().and_then(|c| c.first(doc)).unwrap_or_default();
        (at, id)
    }
}

pub fn run(searcher: &Searcher, fields: &Fields, plan: &Plan) -> Result<Found, SearchError> {
    let query = plan.query(searcher, fields);
    let top = TopDocs::with_limit(plan.limit.max(1)).and_offset(plan.offset);
    let (total, docs) = match plan.order {
        Order::Relevance => {
            let ranked = top.tweak_score(|segment: &SegmentReader| {
                let keys = keys(segment);
                move |doc: DocId, score: Score| (score, keys(doc).1)
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
    let ids = docs.into_iter().filter_map(|id| i64::try_from(id).ok()).map(NewsId).collect();
    Ok(Found { ids, total })
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
