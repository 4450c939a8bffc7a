//! The audit trail as stored: entries appended inside the write they record, each chained to
//! the one before it by a SHA-256 hash, listed newest first, verified link by link, and cut
//! at a retention date with the cut's last hash kept as the new anchor.

use chrono::{NaiveDateTime, Timelike};
use diesel::prelude::*;

use super::schema::{audit_head, audit_log};
use super::{Backend, DbConn, Kept};
use crate::domain::audit::Entry;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = audit_log, check_for_backend(Backend), treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct AuditRow {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor: Option<String>,
    pub action: String,
    pub resource_id: Option<String>,
    pub address: Option<String>,
    pub outcome: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    /// The hash of this entry's fields and the hash before it.
    fn digest(&self) -> String {
        let fields = serde_json::json!([
            self.seq,
            self.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            self.actor,
            self.action,
            self.resource_id,
            self.address,
            self.outcome,
            self.prev_hash,
        ]);
        crate::domain::sha256_hex(fields.to_string().as_bytes())
    }
}

/// Where the trail stands: its newest entry, and the anchor of its oldest kept one.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = audit_head, check_for_backend(Backend))]
pub struct HeadRow {
    pub id: i64,
    pub seq: i64,
    pub hash: String,
    pub anchor_seq: i64,
    pub anchor_hash: String,
}

impl HeadRow {
    /// The head of a trail with no entry yet.
    pub fn genesis() -> Self {
        let zero = "0".repeat(64);
        Self { id: 1, seq: 0, hash: zero.clone(), anchor_seq: 0, anchor_hash: zero }
    }
}

/// Appends the lines of `entries`, each stamped with its time, in order. Runs inside the writes
/// it records (`db::commit` appends a batch's at its end): the head row it updates first is
/// locked until they commit, so entries are chained in commit order even across replicas.
pub fn append(conn: &mut DbConn, entries: &[(Entry, NaiveDateTime)]) -> QueryResult<()> {
    let lines: Vec<(&Entry, NaiveDateTime, Option<&str>)> = entries
        .iter()
        .flat_map(|(entry, at)| {
            // Stored as it is hashed, whatever precision the backend keeps.
            let at = at.with_nanosecond(at.nanosecond() / 1_000 * 1_000).unwrap_or(*at);
            let ids: Vec<Option<&str>> = if entry.resource_ids.is_empty() {
                vec![None]
            } else {
                entry.resource_ids.iter().map(|id| Some(id.as_str())).collect()
            };
            ids.into_iter().map(move |id| (entry, at, id))
        })
        .collect();
    if lines.is_empty() {
        return Ok(());
    }
    let count = i64::try_from(lines.len()).unwrap_or(i64::MAX);
    let (last, mut prev_hash): (i64, String) = native!(conn, |c| Kept(
        diesel::update(audit_head::table)
            .set(audit_head::seq.eq(audit_head::seq + count))
            .returning((audit_head::seq, audit_head::hash))
    )
    .get_result(c))?;
    let rows: Vec<AuditRow> = (last - count + 1..)
        .zip(lines)
        .map(|(seq, (entry, at, resource_id))| {
            let mut row = AuditRow {
                seq,
                at,
                actor: entry.actor.name.clone(),
                action: entry.action.to_string(),
                resource_id: resource_id.map(str::to_owned),
                address: entry.actor.address.map(|a| a.to_string()),
                outcome: entry.outcome.to_string(),
                prev_hash: std::mem::take(&mut prev_hash),
                hash: String::new(),
            };
            row.hash = row.digest();
            prev_hash = row.hash.clone();
            row
        })
        .collect();
    for rows in rows.chunks(super::ROWS_PER_INSERT) {
        native!(conn, |c| diesel::insert_into(audit_log::table).values(rows).execute(c))?;
    }
    native!(conn, |c| Kept(
        diesel::update(audit_head::table).set(audit_head::hash.eq(&prev_hash)).returning(audit_head::seq)
    )
    .get_result(c))
    .map(|_: i64| ())
}

/// Which entries a listing shows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// `news.update`, or `news` for every action on news items.
    pub action: Option<String>,
    pub since: Option<NaiveDateTime>,
}

fn filtered(filter: &AuditFilter) -> audit_log::BoxedQuery<'static, Backend> {
    let mut query = audit_log::table.into_boxed();
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_log::actor.eq(actor.clone()));
    }
    match filter.action.as_deref() {
        Some(action) if action.contains('.') => query = query.filter(audit_log::action.eq(action.to_owned())),
        Some(resource) => query = query.filter(audit_log::action.like(format!("{resource}.%"))),
        None => {}
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_log::at.ge(since));
    }
    query
}

/// One page of the entries `filter` shows, newest first, and how many there are.
pub fn list(conn: &mut DbConn, filter: &AuditFilter, limit: i64, offset: i64) -> QueryResult<(Vec<AuditRow>, i64)> {
    let rows = filtered(filter)
        .order(audit_log::seq.desc())
        .limit(limit)
        .offset(offset)
        .select(AuditRow::as_select())
        .load(conn)?;
    let total = filtered(filter).count().get_result(conn)?;
    Ok((rows, total))
}

/// A trail whose every link holds.
#[derive(Debug, PartialEq, Eq)]
pub struct Verified {
    pub entries: u64,
    /// The newest entry's number and hash: keep them elsewhere to detect a cut at the end.
    pub head: (i64, String),
}

/// Entries read at a time while verifying.
const CHUNK: i64 = 1_000;

/// Checks every link of the trail: each entry's hash, its link to the one before (the anchor
/// for the oldest kept), and the head's record of the newest. `Err` names the first entry
/// found at fault.
pub fn verify(conn: &mut DbConn) -> QueryResult<Result<Verified, String>> {
    let (head_seq, head_hash, anchor_seq, anchor_hash): (i64, String, i64, String) = audit_head::table
        .select((audit_head::seq, audit_head::hash, audit_head::anchor_seq, audit_head::anchor_hash))
        .first(conn)?;
    let (mut seq, mut hash) = (anchor_seq, anchor_hash);
    let mut entries = 0;
    loop {
        let rows: Vec<AuditRow> = audit_log::table
            .filter(audit_log::seq.gt(seq))
            .order(audit_log::seq.asc())
            .limit(CHUNK)
            .select(AuditRow::as_select())
            .load(conn)?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            match row.seq - seq {
                1 => {}
                2 => return Ok(Err(format!("entry {} is missing", seq + 1))),
                _ => return Ok(Err(format!("entries {} to {} are missing", seq + 1, row.seq - 1))),
            }
            if row.prev_hash != hash {
                return Ok(Err(format!("entry {} does not follow from entry {seq}", row.seq)));
            }
            if row.digest() != row.hash {
                return Ok(Err(format!("entry {} was changed after it was written", row.seq)));
            }
            (seq, hash) = (row.seq, row.hash);
            entries += 1;
        }
    }
    if (seq, &hash) != (head_seq, &head_hash) {
        return Ok(Err(format!("entries after {seq} are missing (the newest written was {head_seq})")));
    }
    Ok(Ok(Verified { entries, head: (head_seq, head_hash) }))
}

/// Whether any entry was written before `cutoff`.
pub fn has_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<bool> {
    let first: Option<i64> =
        audit_log::table.filter(audit_log::at.lt(cutoff)).select(audit_log::seq).first(conn).optional()?;
    Ok(first.is_some())
}

/// Removes the entries written before `cutoff`; returns how many, and the number of the last
/// one removed, which becomes the anchor the oldest kept entry is checked against.
pub fn prune_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<(usize, Option<i64>)> {
    let last: Option<i64> =
        audit_log::table.filter(audit_log::at.lt(cutoff)).select(diesel::dsl::max(audit_log::seq)).first(conn)?;
    let Some(last) = last else { return Ok((0, None)) };
    let hash: String = audit_log::table.find(last).select(audit_log::hash).first(conn)?;
    let removed = diesel::delete(audit_log::table.filter(audit_log::seq.le(last))).execute(conn)?;
    diesel::update(audit_head::table)
        .set((audit_head::anchor_seq.eq(last), audit_head::anchor_hash.eq(hash)))
        .execute(conn)?;
    Ok((removed, Some(last)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_field_counts_in_the_hash() {
        let row = AuditRow {
            seq: 1,
            at: NaiveDateTime::default(),
            actor: None,
            action: "demo.load".into(),
            resource_id: None,
            address: None,
            outcome: "success".into(),
            prev_hash: "0".repeat(64),
            hash: String::new(),
        };
        assert_eq!(row.digest().len(), 64);
        assert_ne!(row.digest(), AuditRow { actor: Some("x".into()), ..row.clone() }.digest());
    }
}
