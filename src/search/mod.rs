//! The search index: BM25 over the words the service made of each item (`domain::words`:
//! stemmed in the item's language, diacritics folded, each kept with that language), with the
//! listing's filters as indexed fields, so that a search counts and ranks its matches inside
//! the index instead of reading each matching row. It holds what anonymous readers may find:
//! the live, published items (scheduled ones too, each shown once its time comes), each with
//! the languages of the other items its story shows now (for listings that show each story
//! once, in the reader's languages).
//!
//! It is kept on disk by each process (`NEWSDESK_SEARCH_INDEX`) and follows the store by the
//! numbers its writes stamp on the items they change (`db::indexed`): a search first reads
//! what was stamped since the index last looked, so it sees every write committed before it
//! began, on SQLite and on replicas of PostgreSQL alike. Missing, made from other content (an
//! import), or made by another version, it is made anew from the store; until it is, searches
//! are answered by the database's own text search (`db::search`).

mod query;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, NaiveDateTime, Utc};
use tantivy::directory::MmapDirectory;
use tantivy::indexer::IndexWriterOptions;
use tantivy::query::TermSetQuery;
use tantivy::schema::{FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::db::DbConn;
use crate::db::indexed::{self, Clock, Item};
use crate::domain::ids::NewsId;
use crate::domain::news::NewsStatus;

pub use query::{Found, Order, Plan};

/// Items read from the store at a time while following it.
const READ_AT_ONCE: i64 = 2_000;

/// What the index writer may hold in memory before it writes a segment: tantivy's least (15
/// MB), and one thread merging segments instead of its four. Making the index of a million
/// items anew then peaked at 83-95 MiB of the process's anonymous memory, against 127-130 MiB
/// with 32 MB and four merging threads (`docs/PERFORMANCE.md`).
const WRITER_MEMORY: usize = 15 * 1024 * 1024;
const MERGING_THREADS: usize = 1;

/// The tokenizer of the words field: the words are made by the service, space separated.
const WORDS: &str = "newsdesk_words";

/// Changes with every change to what the index holds: an index of another version is made
/// anew.
const FORMAT: &str = "2";

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index: {0}")]
    Store(#[from] diesel::result::Error),
    #[error("search index: {0}")]
    Io(#[from] std::io::Error),
}

/// The fields of every indexed item.
#[derive(Debug, Clone, Copy)]
struct Fields {
    id: Field,
    words: Field,
    lang: Field,
    /// Publication time, microseconds since the epoch.
    published: Field,
    updated: Field,
    topic: Field,
    region: Field,
    author: Field,
    organization: Field,
    tag: Field,
    /// The languages of the other items of the story that readers see now, sorted and space
    /// separated: one value, so that a search reads one per match.
    story: Field,
}

impl Fields {
    fn schema() -> (Schema, Self) {
        let mut schema = Schema::builder();
        let words = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(WORDS).set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Self {
            id: schema.add_u64_field("id", INDEXED | FAST),
            words: schema.add_text_field("words", words),
            lang: schema.add_text_field("lang", FAST),
            published: schema.add_i64_field("published", INDEXED | FAST),
            updated: schema.add_i64_field("updated", INDEXED | FAST),
            topic: schema.add_u64_field("topic", INDEXED),
            region: schema.add_u64_field("region", INDEXED),
            author: schema.add_u64_field("author", INDEXED),
            organization: schema.add_u64_field("organization", INDEXED),
            tag: schema.add_text_field("tag", STRING),
            story: schema.add_text_field("story", FAST),
        };
        (schema.build(), fields)
    }

    /// The document of a live item as readers see it at `now`; `None` for an item they never
    /// see (a draft).
    fn document(&self, item: &Item, now: NaiveDateTime) -> Option<TantivyDocument> {
        let row = &item.row;
        let published = row.published_at.filter(|_| row.status == NewsStatus::Published)?;
        let mut doc = TantivyDocument::default();
        doc.add_u64(self.id, id_value(row.id));
        doc.add_text(self.words, words_in(&row.lang, &[&row.search_title, &row.search_text]));
        doc.add_text(self.lang, &row.lang);
        doc.add_i64(self.published, micros(published));
        doc.add_i64(self.updated, micros(row.updated_at));
        let mut add_id = |field, id: Option<i64>| {
            if let Some(id) = id.and_then(|id| u64::try_from(id).ok()) {
                doc.add_u64(field, id);
            }
        };
        add_id(self.topic, row.topic_id.map(|t| t.0));
        add_id(self.region, row.region_id.map(|t| t.0));
        add_id(self.author, row.author_id.map(|a| a.0));
        add_id(self.organization, row.organization_id.map(|o| o.0));
        for tag in &item.tags {
            doc.add_text(self.tag, tag);
        }
        let shown = (item.story.iter())
            .filter(|(_, status, published_at)| {
                *status == NewsStatus::Published && published_at.is_some_and(|at| at <= now)
            })
            .map(|(lang, _, _)| lang.as_str());
        if let Some(story) = story_value(shown) {
            doc.add_text(self.story, story);
        }
        Some(doc)
    }
}

/// A word as the index holds it: in its language, since each language stems its own words
/// (the same letters in two languages are two words, and a search in one walks only its own).
fn word_in(lang: &str, word: &str) -> String {
    format!("{lang}:{word}")
}

/// The words of `texts` (space separated, as the service made them) in `lang`, as the index
/// holds them.
fn words_in(lang: &str, texts: &[&str]) -> String {
    let mut words = String::with_capacity(texts.iter().map(|text| text.len() * 2).sum());
    for word in texts.iter().flat_map(|text| text.split_whitespace()) {
        if !words.is_empty() {
            words.push(' ');
        }
        words.push_str(&word_in(lang, word));
    }
    words
}

/// The value of the story field: the languages, sorted and space separated (`None`: none).
fn story_value<'a>(languages: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut languages: Vec<&str> = languages.collect();
    languages.sort_unstable();
    (!languages.is_empty()).then(|| languages.join(" "))
}

fn id_value(id: NewsId) -> u64 {
    u64::try_from(id.0).unwrap_or_default()
}

fn micros(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp_micros()
}

/// The index, its writer, and how far it has followed the store.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    following: Mutex<Following>,
    /// Set once the index has caught up with the store after opening: until then searches go
    /// to the database.
    ready: AtomicBool,
    /// Whether some item is published for a later time (scheduled): only then does a search
    /// need a bound at `now`.
    any_scheduled: AtomicBool,
}

struct Following {
    writer: IndexWriter,
    /// The store's content as the index last read it (`None`: not yet this run).
    read: Option<Clock>,
    /// The stories with an item scheduled, by its time: their documents change when it comes.
    scheduled: BTreeSet<(NaiveDateTime, NewsId)>,
}

impl SearchIndex {
    /// Opens the index kept in `dir`, or makes an empty one there (one of another version is
    /// made anew). Fails when another process writes to it.
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        let (schema, fields) = Fields::schema();
        std::fs::create_dir_all(dir)?;
        let opened = MmapDirectory::open(dir)
            .map_err(tantivy::TantivyError::from)
            .and_then(|directory| Index::open_or_create(directory, schema.clone()));
        let index = match opened {
            Ok(index) if format_of(&index).as_deref() == Some(FORMAT) || is_empty(&index) => index,
            // Of another version, or damaged: made anew from the store.
            _ => {
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                Index::create_in_dir(dir, schema)?
            }
        };
        index.tokenizers().register(WORDS, TextAnalyzer::from(WhitespaceTokenizer::default()));
        let options = IndexWriterOptions::builder()
            .num_worker_threads(1)
            .memory_budget_per_thread(WRITER_MEMORY)
            .num_merge_threads(MERGING_THREADS)
            .build();
        let writer = index.writer_with_options(options)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self {
            index,
            reader,
            fields,
            following: Mutex::new(Following { writer, read: None, scheduled: BTreeSet::new() }),
            ready: AtomicBool::new(false),
            any_scheduled: AtomicBool::new(true),
        })
    }

    /// Whether searches may be answered here (the index has caught up with the store once).
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Reads what the store changed since the index last looked, and the stories whose
    /// scheduled items came out, and commits it: afterwards the index holds every write
    /// committed before this began.
    pub fn follow(&self, conn: &mut DbConn, now: DateTime<Utc>) -> Result<(), SearchError> {
        let mut following = self.following.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = now.naive_utc();
        let clock = indexed::clock(conn)?;
        let kept = match following.read {
            Some(read) => Some(read),
            None => stored_clock(&self.index),
        };
        let mut changed = false;
        let after = match kept {
            Some(kept) if kept.epoch == clock.epoch && kept.seq <= clock.seq => kept.seq,
            // Made of other content: anew.
            _ => {
                following.writer.delete_all_documents()?;
                changed = true;
                -1
            }
        };
        if following.read.is_none() {
            following.scheduled = indexed::scheduled(conn, now)?.into_iter().collect();
        }
        let mut position = (after, NewsId(0));
        loop {
            let stamped = indexed::stamped(conn, position, clock.seq, READ_AT_ONCE)?;
            let Some(&last) = stamped.last() else { break };
            let ids: Vec<NewsId> = stamped.iter().map(|s| s.1).collect();
            self.write(&mut following, conn, &ids, now)?;
            changed = true;
            position = last;
            if (stamped.len() as i64) < READ_AT_ONCE {
                break;
            }
        }
        // Stories whose scheduled item has come out show it now.
        let due: Vec<(NaiveDateTime, NewsId)> =
            following.scheduled.iter().take_while(|s| s.0 <= now).copied().collect();
        if !due.is_empty() {
            let stories: Vec<NewsId> = due.iter().map(|s| s.1).collect();
            let ids = indexed::members(conn, &stories)?;
            self.write(&mut following, conn, &ids, now)?;
            for story in due {
                following.scheduled.remove(&story);
            }
            changed = true;
        }
        if changed || following.read != Some(clock) {
            let mut commit = following.writer.prepare_commit()?;
            commit.set_payload(&format!("{FORMAT}:{}:{}", clock.seq, clock.epoch));
            commit.commit()?;
            self.reader.reload()?;
        }
        following.read = Some(clock);
        self.any_scheduled.store(!following.scheduled.is_empty(), Ordering::Release);
        self.ready.store(true, Ordering::Release);
        Ok(())
    }

    /// Writes the items `ids` as they are now (taking out those no reader sees any more).
    fn write(
        &self,
        following: &mut Following,
        conn: &mut DbConn,
        ids: &[NewsId],
        now: NaiveDateTime,
    ) -> Result<(), SearchError> {
        let items = indexed::items(conn, ids)?;
        // One deletion for them all: the writer keeps each until the commit (as a query's
        // weight, about 900 bytes: a million of them made the index at a million items peak
        // at 960 MB).
        let terms = ids.iter().map(|&id| Term::from_field_u64(self.fields.id, id_value(id)));
        following.writer.delete_query(Box::new(TermSetQuery::new(terms)))?;
        for item in &items {
            let own = (item.row.status, item.row.published_at);
            for (status, published_at) in
                item.story.iter().map(|(_, status, at)| (status, at)).chain([(&own.0, &own.1)])
            {
                if let (NewsStatus::Published, Some(at)) = (status, published_at)
                    && *at > now
                {
                    following.scheduled.insert((*at, item.row.group_id));
                }
            }
            if let Some(doc) = self.fields.document(item, now) {
                following.writer.add_document(doc)?;
            }
        }
        Ok(())
    }

    /// The matches of `plan`: one page of ids, best first, and how many match in all.
    pub fn search(&self, plan: &Plan) -> Result<Found, SearchError> {
        query::run(&self.reader.searcher(), &self.fields, &self.bounded(plan))
    }

    /// The plan without its bound at `now` when no item is scheduled: every item is out then.
    fn bounded(&self, plan: &Plan) -> Plan {
        let mut plan = plan.clone();
        if plan.until_now && !self.any_scheduled.load(Ordering::Acquire) {
            plan.published.1 = std::ops::Bound::Unbounded;
        }
        plan
    }

    /// The publication time of every match of `plan` (its order and page aside).
    pub fn published(&self, plan: &Plan) -> Result<Vec<NaiveDateTime>, SearchError> {
        let micros = query::published(&self.reader.searcher(), &self.fields, &self.bounded(plan))?;
        Ok(micros.into_iter().filter_map(DateTime::from_timestamp_micros).map(|at| at.naive_utc()).collect())
    }
}

/// The store's clock as the index last committed it.
fn stored_clock(index: &Index) -> Option<Clock> {
    let payload = index.load_metas().ok()?.payload?;
    let mut parts = payload.split(':');
    let (_format, seq, epoch) = (parts.next()?, parts.next()?, parts.next()?);
    Some(Clock { seq: seq.parse().ok()?, epoch: epoch.parse().ok()? })
}

fn format_of(index: &Index) -> Option<String> {
    let payload = index.load_metas().ok()?.payload?;
    payload.split(':').next().map(str::to_owned)
}

fn is_empty(index: &Index) -> bool {
    index.load_metas().is_ok_and(|metas| metas.payload.is_none() && metas.segments.is_empty())
}

/// Where the index of the store at `database_url` is kept when no place is set: beside an
/// SQLite file (`news.db.search`), or in the working directory (PostgreSQL).
pub fn default_dir(database_url: &str) -> PathBuf {
    match crate::db::Location::parse(database_url) {
        Ok(crate::db::Location::Sqlite(file)) => PathBuf::from(format!("{file}.search")),
        _ => PathBuf::from("search-index"),
    }
}
