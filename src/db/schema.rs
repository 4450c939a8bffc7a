//! Diesel's view of the tables in `migrations/`. Ids are `BigInt` on every backend (SQLite's
//! INTEGER is 64-bit), so the same code serves PostgreSQL's BIGINT.

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        name -> Text,
        prefix -> Text,
        secret_hash -> Text,
        previous_hash -> Nullable<Text>,
        previous_until -> Nullable<Timestamp>,
        scopes -> Text,
        rate_limit -> BigInt,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_key_usage (key_id, minute) {
        key_id -> BigInt,
        minute -> BigInt,
        count -> BigInt,
    }
}

diesel::table! {
    audit_head (id) {
        id -> BigInt,
        seq -> BigInt,
        hash -> Text,
        anchor_seq -> BigInt,
        anchor_hash -> Text,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor -> Nullable<Text>,
        action -> Text,
        resource_id -> Nullable<Text>,
        address -> Nullable<Text>,
        outcome -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    authors (id) {
        id -> BigInt,
        name -> Text,
        title -> Text,
        bio -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    content_clock (id) {
        id -> BigInt,
        changed_at -> Timestamp,
        change_seq -> BigInt,
        version -> BigInt,
        search_seq -> BigInt,
        search_epoch -> BigInt,
    }
}

diesel::table! {
    news_count_views (id) {
        id -> BigInt,
        name -> Text,
    }
}

diesel::table! {
    news_counted (news_id) {
        news_id -> BigInt,
        views -> BigInt,
        day -> BigInt,
        topic_id -> Nullable<BigInt>,
        region_id -> Nullable<BigInt>,
        author_id -> Nullable<BigInt>,
        organization_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    news_counts (view, facet, value, day) {
        view -> BigInt,
        facet -> BigInt,
        value -> BigInt,
        day -> BigInt,
        n -> BigInt,
    }
}

diesel::table! {
    news_items (id) {
        id -> BigInt,
        slug -> Text,
        title -> Text,
        summary -> Text,
        body -> Text,
        topic_id -> Nullable<BigInt>,
        region_id -> Nullable<BigInt>,
        author_id -> Nullable<BigInt>,
        organization_id -> Nullable<BigInt>,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        reading_time_seconds -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        deleted_by -> Nullable<Text>,
        lang -> Text,
        group_id -> BigInt,
        search_title -> Text,
        search_text -> Text,
        image_id -> Nullable<BigInt>,
        listed_in -> BigInt,
    }
}

diesel::table! {
    media (id) {
        id -> BigInt,
        hash -> Text,
        mime -> Text,
        width -> BigInt,
        height -> BigInt,
        bytes -> BigInt,
        alt -> Text,
        caption -> Nullable<Text>,
        credit -> Nullable<Text>,
        focal_x -> Double,
        focal_y -> Double,
        placeholder -> Text,
        variants -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    news_changes (news_id) {
        news_id -> BigInt,
        change_seq -> BigInt,
        change_at -> Timestamp,
        public -> Bool,
        ever_public -> Bool,
        search_seq -> BigInt,
    }
}

diesel::table! {
    news_tags (news_id, tag) {
        news_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    organization_bodies (id) {
        id -> BigInt,
        organization_id -> BigInt,
        name -> Text,
        kind -> Text,
        description -> Text,
        leader_title -> Nullable<Text>,
        meeting_cadence -> Nullable<Text>,
        sort_order -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    organization_translations (organization_id, lang) {
        organization_id -> BigInt,
        lang -> Text,
        document -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    organization_offices (id) {
        id -> BigInt,
        organization_id -> BigInt,
        name -> Text,
        kind -> Text,
        city -> Nullable<Text>,
        country -> Nullable<Text>,
        region_id -> Nullable<BigInt>,
        sort_order -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    organizations (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        full_name -> Text,
        kind -> Text,
        tagline -> Text,
        description -> Text,
        member_count -> Nullable<BigInt>,
        website -> Nullable<Text>,
        headquarters_city -> Nullable<Text>,
        headquarters_country -> Nullable<Text>,
        logo_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    revisions (id) {
        id -> BigInt,
        entity -> Text,
        entity_id -> BigInt,
        revision -> BigInt,
        created_at -> Timestamp,
        username -> Nullable<Text>,
        restored_from -> Nullable<BigInt>,
        snapshot -> Text,
    }
}

diesel::table! {
    terms (id) {
        id -> BigInt,
        kind -> Text,
        slug -> Text,
        name -> Text,
        description -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        token_generation -> BigInt,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_until -> Nullable<Timestamp>,
        events -> Text,
        filters -> Text,
        active -> Bool,
        disabled_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_success_at -> Nullable<Timestamp>,
        last_failure_at -> Nullable<Timestamp>,
        last_failure_status -> Nullable<Integer>,
        last_failure_error -> Nullable<Text>,
        failing_since -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> BigInt,
        uid -> Text,
        kind -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        targets -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        event_id -> BigInt,
        subject -> Text,
        state -> Text,
        attempts -> Integer,
        first_attempt_at -> Nullable<Timestamp>,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        response_status -> Nullable<Integer>,
        duration_ms -> Nullable<Integer>,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        at -> Timestamp,
        response_status -> Nullable<Integer>,
        duration_ms -> Integer,
        error -> Nullable<Text>,
        response_body -> Nullable<Text>,
    }
}

diesel::table! {
    websub_subscriptions (id) {
        id -> BigInt,
        callback -> Text,
        topic -> Text,
        secret -> Nullable<Text>,
        lease_seconds -> BigInt,
        expires_at -> Timestamp,
        sent_hash -> Nullable<Text>,
        failures -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(news_items -> authors (author_id));
diesel::joinable!(news_items -> organizations (organization_id));
diesel::joinable!(news_counted -> news_items (news_id));
diesel::joinable!(news_tags -> news_items (news_id));
diesel::joinable!(organization_bodies -> organizations (organization_id));
diesel::joinable!(organization_offices -> organizations (organization_id));
diesel::joinable!(organization_translations -> organizations (organization_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(webhook_deliveries -> webhook_events (event_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_key_usage,
    api_keys,
    audit_head,
    audit_log,
    authors,
    content_clock,
    media,
    news_changes,
    news_count_views,
    news_counted,
    news_counts,
    news_items,
    news_tags,
    organization_bodies,
    organization_offices,
    organization_translations,
    organizations,
    revisions,
    terms,
    users,
    webhook_attempts,
    webhook_deliveries,
    webhook_events,
    webhooks,
    websub_subscriptions,
);
