//! Ids of stored resources, one type each, so an author's id cannot be passed where a topic's
//! is meant. In JSON and in SQL they are plain 64-bit integers.

use std::fmt;

macro_rules! ids {
    ($($name:ident: $doc:literal;)*) => {$(
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .description(Some($doc))
                    .examples([1])
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    )*};
}

ids! {
    NewsId: "A news item's id.";
    OrganizationId: "An organization's id.";
    BodyId: "A governing body's id.";
    OfficeId: "An office's id.";
    AuthorId: "An author's id.";
    TermId: "A topic's or a region's id.";
    UserId: "A user account's id.";
    KeyId: "A partner key's id.";
    WebhookId: "A webhook's id.";
    DeliveryId: "A webhook delivery's id.";
    MediaId: "An uploaded image's id.";
}
