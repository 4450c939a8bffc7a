//! Pushing changes to partners: every process runs a `Pusher`, which makes the deliveries of
//! the events written to the outbox with the changes that caused them (`db::webhooks::enqueue`,
//! then `fan_out` when it has room to send), claims those that are due, sends each signed, and
//! records how it went. Claims are leases: on PostgreSQL replicas share the work, each delivery
//! sent by one of them at a time, and a replica that dies lets its claims lapse to the others.

pub mod target;
pub mod websub;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, Semaphore};

use crate::db;
use crate::db::webhooks::{Attempt, Due, Next};
use crate::domain::dates;
use crate::domain::ids::WebhookId;
use crate::domain::webhooks::signature;
use crate::error::ApiError;
use crate::http::metrics::Metrics;
use crate::state::AppState;

/// Deliveries sent at once by one process, and to one webhook: a slow receiver holds at most
/// its share, never the others' or the API's (sending waits on the network, not on a thread).
const CONCURRENCY: usize = 64;
const PER_WEBHOOK: usize = 16;
/// How long a claim lasts: longer than an attempt can take (its 10 s timeout) and its record,
/// so no other process sends the delivery meanwhile; what a killed replica claimed goes to
/// another this long after.
const LEASE: Duration = Duration::from_secs(30);
/// The longest wait between two looks at the outbox (for other replicas' events and retries
/// coming due); this process's own writes wake it at once.
const IDLE: Duration = Duration::from_secs(1);
/// Events whose deliveries are made at one claim: only while a slot is free, so a write pays
/// for its event and nothing more while receivers are slow; enough to keep up when they are not.
const FAN_OUT: i64 = 256;
/// How much of a receiver's answer the delivery log keeps.
const BODY_KEPT: usize = 2048;

/// The delivery loop of one process.
#[derive(Clone)]
pub struct Pusher {
    state: AppState,
    client: reqwest::Client,
    metrics: Arc<Metrics>,
    slots: Arc<Semaphore>,
    /// Deliveries in flight per webhook.
    busy: Arc<Mutex<HashMap<WebhookId, usize>>>,
    /// Told when a delivery ends (a slot, and perhaps the next event of its item, is free).
    ended: Arc<Notify>,
}

/// What the loop waits for before looking again.
enum Wait {
    /// Nothing: more may be due.
    Nothing,
    /// A write (new events), a delivery's end, or this long.
    Change(Duration),
    /// A delivery's end (what is due waits for a share of its webhook), or this long: writes
    /// do not wake it, as they would only find the same.
    End(Duration),
}

impl Pusher {
    pub fn new(state: AppState, client: reqwest::Client, metrics: Arc<Metrics>) -> Self {
        Self {
            state,
            client,
            metrics,
            slots: Arc::new(Semaphore::new(CONCURRENCY)),
            busy: Arc::new(Mutex::new(HashMap::new())),
            ended: Arc::new(Notify::new()),
        }
    }

    /// Claims and sends what is due, for ever.
    pub async fn run(self) {
        // On SQLite this is the only process: what is claimed was claimed by one that died.
        if !self.state.is_shared()
            && let Err(err) = self.state.bookkeep(|c| Ok(db::webhooks::release_claims(c)?)).await
        {
            log::warn!("cannot release the deliveries claimed before a restart: {err}");
        }
        loop {
            let wait = self.send_due().await.unwrap_or_else(|err| {
                log::warn!("cannot read the webhook outbox: {err}");
                Wait::Change(IDLE)
            });
            let timeout = actix_web::rt::time::timeout;
            match wait {
                Wait::Nothing => {}
                // This process's writes wake it (see `AppState::write`), and deliveries' ends.
                Wait::Change(wait) => drop(timeout(wait, self.state.outbox.notified()).await),
                Wait::End(wait) => drop(timeout(wait, self.ended.notified()).await),
            }
        }
    }

    /// Claims what is due and free slots allow, starts sending it; returns how long to wait
    /// before looking again. Only a look when nothing is due: no write.
    async fn send_due(&self) -> Result<Wait, ApiError> {
        let now = dates::now().naive_utc();
        let next = self.state.db(move |c| Ok(db::webhooks::next_claimable(c, now)?)).await?;
        let free = self.slots.available_permits();
        match next {
            None => return Ok(Wait::Change(IDLE)),
            Some(at) if at > now => return Ok(Wait::Change((at - now).to_std().unwrap_or(IDLE).min(IDLE))),
            Some(_) if free == 0 => return Ok(Wait::End(IDLE)),
            Some(_) => {}
        }
        let busy = self.busy.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
        let (made, due) = self
            .state
            .bookkeep(move |c| {
                let made = db::webhooks::fan_out(c, FAN_OUT)?;
                Ok((made, db::webhooks::claim(c, now, until, free, &busy, PER_WEBHOOK)?))
            })
            .await?;
        if due.is_empty() {
            // More events may wait (for webhooks deleted since, say): look again at once.
            return Ok(if made == FAN_OUT as usize { Wait::Nothing } else { Wait::End(IDLE) });
        }
        for due in due {
            let permit = self.slots.clone().acquire_owned().await;
            *self.busy.lock().unwrap_or_else(|e| e.into_inner()).entry(due.webhook).or_default() += 1;
            let pusher = self.clone();
            actix_web::rt::spawn(async move {
                let webhook = due.webhook;
                pusher.deliver(due).await;
                pusher.done(webhook);
                drop(permit);
                pusher.ended.notify_one();
                pusher.state.outbox.notify_one();
            });
        }
        Ok(Wait::Nothing)
    }

    fn done(&self, webhook: WebhookId) {
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = busy.get_mut(&webhook) {
            *count -= 1;
            if *count == 0 {
                busy.remove(&webhook);
            }
        }
    }

    /// Sends one delivery and records how it went.
    async fn deliver(&self, due: Due) {
        let at = dates::now();
        let started = Instant::now();
        let outcome = self.attempt(&due, at.timestamp()).await;
        let took = started.elapsed();
        let duration_ms = i32::try_from(took.as_millis()).unwrap_or(i32::MAX);
        let (status, response_body, error) = match outcome {
            Ok((status, body)) => {
                let error = (!(200..300).contains(&status)).then(|| format!("the receiver answered {status}"));
                (Some(i32::from(status)), Some(body), error)
            }
            Err(error) => (None, None, Some(error)),
        };
        let next = match status {
            Some(200..=299) => Next::Succeeded,
            Some(410) => Next::Disable,
            _ => {
                let first = due.first_attempt_at.unwrap_or(at.naive_utc());
                let elapsed = (at.naive_utc() - first).to_std().unwrap_or_default();
                let attempt = u32::try_from(due.attempts).unwrap_or(0) + 1;
                match self.state.push.retries.after(attempt, elapsed) {
                    // From the end of this attempt: a receiver that timed out lets go of it first.
                    Some(delay) => {
                        Next::RetryAt(dates::now().naive_utc() + chrono::Duration::from_std(delay).unwrap_or_default())
                    }
                    None => Next::GiveUp,
                }
            }
        };
        let lag =
            (next == Next::Succeeded).then(|| (dates::now().naive_utc() - due.event_at).to_std().unwrap_or_default());
        self.metrics.webhook_attempt(next_label(next), took, lag);
        let attempt = Attempt { at: at.naive_utc(), status, duration_ms, error, response_body };
        let disable_after = self.state.push.disable_after;
        let (webhook, url) = (due.webhook, due.url.clone());
        let recorded = self
            .state
            .bookkeep(move |c| Ok(db::webhooks::record_attempt(c, &due, &attempt, next, disable_after)?))
            .await;
        match recorded {
            Ok((true, true)) => log::warn!("disabled webhook {webhook} ({url}): its deliveries keep failing"),
            Ok((true, false)) => {}
            Ok((false, _)) => log::warn!("a delivery to webhook {webhook} took longer than its claim; not recorded"),
            // The claim lapses and the delivery is sent again: at least once.
            Err(err) => log::error!("cannot record a delivery to webhook {webhook}: {err}"),
        }
    }

    /// One POST: the receiver's status and the start of its answer, or why none came.
    async fn attempt(&self, due: &Due, timestamp: i64) -> Result<(u16, String), String> {
        let url = reqwest::Url::parse(&due.url).map_err(|err| format!("bad URL: {err}"))?;
        if !target::literal_allowed(&url, self.state.push.allow_private) {
            return Err("the URL names a loopback, private, link-local or metadata address".into());
        }
        let signed = signature(due.secrets.iter().map(String::as_str), &due.uid, timestamp, due.body.as_bytes());
        let mut response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &due.uid)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signed)
            .body(due.body.clone())
            .send()
            .await
            .map_err(|err| describe(&err))?;
        let status = response.status().as_u16();
        let mut kept = Vec::new();
        while kept.len() < BODY_KEPT {
            match response.chunk().await {
                Ok(Some(chunk)) => kept.extend_from_slice(&chunk[..chunk.len().min(BODY_KEPT - kept.len())]),
                // The status counts; an answer cut short does not make it fail.
                Ok(None) | Err(_) => break,
            }
        }
        Ok((status, String::from_utf8_lossy(&kept).into_owned()))
    }
}

fn next_label(next: Next) -> &'static str {
    match next {
        Next::Succeeded => "succeeded",
        Next::RetryAt(_) => "retried",
        Next::GiveUp => "failed",
        Next::Disable => "gone",
    }
}

/// Why a request got no answer, in a line: the innermost cause says most.
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return "no answer within 10 s".into();
    }
    let mut cause: &dyn std::error::Error = err;
    while let Some(source) = cause.source() {
        cause = source;
    }
    let what = if err.is_connect() { "cannot connect" } else { "the request failed" };
    format!("{what}: {cause}")
}
