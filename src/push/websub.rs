//! The WebSub hub (W3C Recommendation) of this service's own feeds. A subscriber asks at
//! `POST /websub`; the hub checks the request, answers 202, and verifies the intent with a GET
//! to the callback (which must echo `hub.challenge`) before it stores or ends anything. Every
//! second in which the content changed, each subscribed feed is rendered again, and where its
//! document differs from the one last pushed to a subscriber, the new one is POSTed to it,
//! signed with `X-Hub-Signature` when it gave a secret.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::Semaphore;
use utoipa::ToSchema;

use super::target;
use crate::db;
use crate::db::websub::{NewSubscription, SubscriptionRow};
use crate::domain::audit::{Action, Actor, Resource, Verb};
use crate::domain::dates;
use crate::domain::webhooks::hub_signature;
use crate::domain::{random_hex, sha256_hex};
use crate::error::{ApiError, FieldError, Fields};
use crate::feeds::document::{self, FeedRequest, Format};
use crate::state::AppState;

/// Leases a subscriber may ask for, and the one it gets when it asks for none (10 days).
const MIN_LEASE: i64 = 10;
const MAX_LEASE: i64 = 30 * 86_400;
const DEFAULT_LEASE: i64 = 10 * 86_400;
/// `hub.secret` is shorter than this (the specification's bound).
const MAX_SECRET: usize = 200;
/// Failed pushes of one version of a feed before it is given up (the next change is pushed).
const MAX_FAILURES: i32 = 20;
const LEASE: chrono::Duration = chrono::Duration::seconds(30);
/// Verifications under way at once, and how much of a callback's answer is read (the
/// challenge is 32 characters).
const VERIFYING: usize = 32;
const ANSWER_READ: usize = 1024;

/// What a subscriber sends (form-encoded).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct HubRequest {
    /// `subscribe` or `unsubscribe`.
    #[serde(rename = "hub.mode")]
    #[schema(rename = "hub.mode", example = "subscribe")]
    pub mode: Option<String>,
    /// Where verification and content go: an `http` or `https` URL resolving to public addresses.
    #[serde(rename = "hub.callback")]
    #[schema(rename = "hub.callback", example = "https://partner.example/websub/callback")]
    pub callback: Option<String>,
    /// A feed of this service, with its parameters (`…/feeds/news.atom?topic=terrorism`).
    #[serde(rename = "hub.topic")]
    #[schema(rename = "hub.topic", example = "https://news.example/feeds/news.atom?topic=terrorism")]
    pub topic: Option<String>,
    /// Seconds the subscription is to last (default 864000, 10 days); the hub keeps it within
    /// 10 seconds and 30 days, and says the lease it chose in the verification.
    #[serde(rename = "hub.lease_seconds")]
    #[schema(rename = "hub.lease_seconds", value_type = Option<u32>, minimum = 10, maximum = 2592000)]
    pub lease_seconds: Option<String>,
    /// Signs each pushed document (`X-Hub-Signature: sha256=…`); under 200 bytes.
    #[serde(rename = "hub.secret")]
    #[schema(rename = "hub.secret", max_length = 199)]
    pub secret: Option<String>,
}

/// A checked request.
struct Intent {
    subscribe: bool,
    callback: url::Url,
    topic: String,
    lease_seconds: i64,
    secret: Option<String>,
}

impl HubRequest {
    fn check(self, state: &AppState) -> Result<Intent, ApiError> {
        let mut fields = Fields::default();
        let subscribe = fields.read(
            "hub.mode",
            match self.mode.as_deref() {
                Some("subscribe") => Ok(true),
                Some("unsubscribe") => Ok(false),
                _ => Err("must be subscribe or unsubscribe".to_owned()),
            },
        );
        let callback = fields.read(
            "hub.callback",
            self.callback.as_deref().ok_or_else(|| "is required".to_owned()).and_then(target::parse),
        );
        let topic = fields.read(
            "hub.topic",
            self.topic.ok_or_else(|| "is required".to_owned()).and_then(|topic| {
                FeedRequest::from_url(state, &topic)?;
                Ok(topic)
            }),
        );
        let lease_seconds = fields.read(
            "hub.lease_seconds",
            match self.lease_seconds.as_deref() {
                None | Some("") => Ok(DEFAULT_LEASE),
                Some(text) => text
                    .parse::<i64>()
                    .map(|asked| asked.clamp(MIN_LEASE, MAX_LEASE))
                    .map_err(|_| "must be a whole number of seconds".to_owned()),
            },
        );
        if self.secret.as_ref().is_some_and(|s| s.len() >= MAX_SECRET) {
            fields.refuse("hub.secret", format!("must be shorter than {MAX_SECRET} bytes"));
        }
        fields.finish(|| {
            Some(Intent {
                subscribe: subscribe?,
                callback: callback?,
                topic: topic?,
                lease_seconds: lease_seconds?,
                secret: self.secret.filter(|s| !s.is_empty()),
            })
        })
    }
}

/// The hub: requests of subscribers, and pushes of what changed.
#[derive(Clone)]
pub struct Hub {
    state: AppState,
    client: reqwest::Client,
    /// Verifications under way: anyone may ask for one, so they are bounded.
    verifying: Arc<Semaphore>,
}

impl Hub {
    pub fn new(state: AppState, client: reqwest::Client) -> Self {
        Self { state, client, verifying: Arc::new(Semaphore::new(VERIFYING)) }
    }

    /// Checks a subscriber's request (422 naming what is wrong) and verifies its intent in the
    /// background: the caller answers 202.
    pub async fn request(&self, request: HubRequest, actor: Actor) -> Result<(), ApiError> {
        let intent = request.check(&self.state)?;
        target::check(&intent.callback, self.state.push.allow_private)
            .await
            .map_err(|message| ApiError::invalid_fields(vec![FieldError::new("hub.callback", message)]))?;
        let Ok(permit) = self.verifying.clone().try_acquire_owned() else {
            return Err(ApiError::TooManyRequests(1));
        };
        let hub = self.clone();
        actix_web::rt::spawn(async move {
            let callback = intent.callback.to_string();
            if let Err(err) = hub.verify(intent, actor).await {
                log::info!("WebSub request of {callback} not carried out: {err}");
            }
            drop(permit);
        });
        Ok(())
    }

    /// Asks the callback to confirm (it must answer 2xx with the challenge), then stores or
    /// ends the subscription.
    async fn verify(&self, intent: Intent, actor: Actor) -> Result<(), String> {
        let challenge = random_hex(16).map_err(|e| e.to_string())?;
        let mode = if intent.subscribe { "subscribe" } else { "unsubscribe" };
        let mut url = intent.callback.clone();
        url.query_pairs_mut()
            .append_pair("hub.mode", mode)
            .append_pair("hub.topic", &intent.topic)
            .append_pair("hub.challenge", &challenge);
        if intent.subscribe {
            url.query_pairs_mut().append_pair("hub.lease_seconds", &intent.lease_seconds.to_string());
        }
        if !target::literal_allowed(&url, self.state.push.allow_private) {
            return Err("the callback names a private address".into());
        }
        let mut response = self.client.get(url).send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let mut answer = Vec::new();
        while answer.len() < ANSWER_READ {
            match response.chunk().await.map_err(|e| e.to_string())? {
                Some(chunk) => answer.extend_from_slice(&chunk),
                None => break,
            }
        }
        if !status.is_success() || String::from_utf8_lossy(&answer).trim() != challenge {
            return Err(format!("the callback did not confirm (answered {status})"));
        }
        let (callback, topic) = (intent.callback.to_string(), intent.topic.clone());
        if !intent.subscribe {
            let entry = actor.did(Action(Resource::Subscription, Verb::Delete));
            return self
                .state
                .write(entry, move |c, entry| {
                    db::websub::unsubscribe(c, &callback, &topic)?;
                    entry.on(&topic);
                    Ok(())
                })
                .await
                .map_err(|e| e.to_string());
        }
        // Pushed from the next change on: the subscriber can fetch the feed as it is now.
        let request = FeedRequest::from_url(&self.state, &topic)?;
        let hash =
            sha256_hex(document::render(&self.state, &request).await.map_err(|e| e.to_string())?.body.as_bytes());
        let entry = actor.did(Action(Resource::Subscription, Verb::Create));
        self.state
            .write(entry, move |c, entry| {
                let new = NewSubscription {
                    callback: &callback,
                    topic: &topic,
                    secret: intent.secret.as_deref(),
                    lease_seconds: intent.lease_seconds,
                    sent_hash: &hash,
                };
                entry.on(db::websub::subscribe(c, &new, dates::now().naive_utc())?);
                Ok(())
            })
            .await
            .map_err(|e| e.to_string())
    }

    /// Pushes changed feeds, for ever: a pass each second in which the content changed or a
    /// failed push came due again.
    pub async fn run(self) {
        let mut every_second = actix_web::rt::time::interval(Duration::from_secs(1));
        let (mut seen, mut since) = (None, chrono::NaiveDateTime::MIN);
        loop {
            every_second.tick().await;
            let version = match self.state.content_version().await {
                Ok(version) => version,
                Err(err) => {
                    log::warn!("cannot read the content version: {err}");
                    continue;
                }
            };
            let now = dates::now().naive_utc();
            match self.pass(seen != Some(version), since, now).await {
                // A subscriber held by a push still under way is looked at again next time.
                Ok(true) => (seen, since) = (Some(version), now),
                Ok(false) => {}
                Err(err) => log::warn!("cannot push changed feeds to WebSub subscribers: {err}"),
            }
        }
    }

    /// Renders each subscribed feed that may have changed for a subscriber (all of them when
    /// the content changed; else those with a failed push due or a subscriber new since the
    /// last pass) and pushes it where it differs from what was last pushed. Returns whether
    /// every push it called for could start.
    async fn pass(
        &self,
        changed: bool,
        since: chrono::NaiveDateTime,
        now: chrono::NaiveDateTime,
    ) -> Result<bool, ApiError> {
        let mut complete = true;
        let topics = self.state.db(move |c| Ok(db::websub::topics(c, now)?)).await?;
        for topic in topics {
            let lookup = topic.clone();
            let subscribers = self.state.db(move |c| Ok(db::websub::of_topic(c, &lookup, now)?)).await?;
            let due = |s: &SubscriptionRow| (s.failures > 0 && s.next_attempt_at <= now) || s.created_at >= since;
            if !changed && !subscribers.iter().any(due) {
                continue;
            }
            // A topic this service no longer serves (its public URL changed) waits for its lease to end.
            let Ok(request) = FeedRequest::from_url(&self.state, &topic) else { continue };
            let doc = document::render(&self.state, &request).await?;
            let hash = sha256_hex(doc.body.as_bytes());
            for subscriber in subscribers {
                if subscriber.sent_hash.as_deref() == Some(hash.as_str()) || subscriber.next_attempt_at > now {
                    continue;
                }
                let id = subscriber.id;
                let claimed = self.state.bookkeep(move |c| Ok(db::websub::claim(c, id, now, now + LEASE)?)).await?;
                complete &= claimed;
                if claimed {
                    let hub = self.clone();
                    let (body, hash, topic) = (doc.body.clone(), hash.clone(), topic.clone());
                    let content_type = doc.content_type;
                    actix_web::rt::spawn(async move {
                        hub.push(subscriber, &topic, content_type, body, hash).await;
                    });
                }
            }
        }
        if changed {
            self.ping_external().await;
        }
        Ok(complete)
    }

    /// POSTs the feed's new document to one subscriber, and records how it went.
    async fn push(&self, subscriber: SubscriptionRow, topic: &str, content_type: &str, body: String, hash: String) {
        let mut post = self
            .client
            .post(subscriber.callback.as_str())
            .header("content-type", content_type)
            .header("link", document::links(&self.state, topic));
        if let Some(secret) = &subscriber.secret {
            post = post.header("x-hub-signature", hub_signature(secret, body.as_bytes()));
        }
        let allowed = reqwest::Url::parse(&subscriber.callback)
            .is_ok_and(|url| target::literal_allowed(&url, self.state.push.allow_private));
        let status = match allowed {
            true => post.body(body).send().await.map(|r| r.status().as_u16()).ok(),
            false => None,
        };
        let id = subscriber.id;
        let now = dates::now().naive_utc();
        let recorded = match status {
            Some(410) => self.state.bookkeep(move |c| Ok(db::websub::forget(c, id).map(drop)?)).await,
            Some(200..=299) => self.state.bookkeep(move |c| Ok(db::websub::pushed(c, id, &hash, None, now)?)).await,
            _ => {
                let failures = u32::try_from(subscriber.failures).unwrap_or(0) + 1;
                let delay = self.state.push.retries.after(failures, Duration::ZERO).unwrap_or_default();
                let retry_at = (subscriber.failures + 1 < MAX_FAILURES)
                    .then(|| now + chrono::Duration::from_std(delay).unwrap_or_default());
                self.state.bookkeep(move |c| Ok(db::websub::pushed(c, id, &hash, retry_at, now)?)).await
            }
        };
        if let Err(err) = recorded {
            log::warn!("cannot record a WebSub push to {}: {err}", subscriber.callback);
        }
    }

    /// Tells the external hub, if there is one, that the feeds changed (`hub.mode=publish`).
    async fn ping_external(&self) {
        let Some(hub) = &self.state.external_hub else { return };
        for format in Format::ALL {
            let topic = self.state.url(format.path());
            let form = [("hub.mode", "publish"), ("hub.url", topic.as_str())];
            let body = form.iter().map(|(k, v)| format!("{k}={}", urlencode(v))).collect::<Vec<_>>().join("&");
            let sent = self
                .client
                .post(hub.as_str())
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await;
            if let Err(err) = sent {
                log::warn!("cannot ping the WebSub hub {hub}: {err}");
            }
        }
    }
}

fn urlencode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
