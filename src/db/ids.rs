//! Ids bound and loaded as the `BigInt` columns they are stored in.

use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::BigInt;

use diesel::pg::Pg;
use diesel::sqlite::Sqlite;

use super::Backend;
use crate::domain::ids::{
    AuthorId, BodyId, DeliveryId, KeyId, MediaId, NewsId, OfficeId, OrganizationId, TermId, UserId, WebhookId,
};

/// `ToSql` and `FromSql` of an id on each backend (the multi-backend connection binds through
/// the one it runs on).
macro_rules! as_bigint {
    ($($ty:ident),*) => {$(
        as_bigint!(@each $ty: Backend, Sqlite, Pg);
    )*};
    (@each $ty:ident: $($db:ty),*) => {$(
        impl ToSql<BigInt, $db> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, $db>) -> serialize::Result {
                <i64 as ToSql<BigInt, $db>>::to_sql(&self.0, out)
            }
        }

        impl FromSql<BigInt, $db> for $ty {
            fn from_sql(bytes: <$db as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                <i64 as FromSql<BigInt, $db>>::from_sql(bytes).map($ty)
            }
        }
    )*};
}

stored_as!(BigInt: NewsId, OrganizationId, BodyId, OfficeId, AuthorId, TermId, UserId, KeyId, WebhookId, DeliveryId, MediaId);
as_bigint!(NewsId, OrganizationId, BodyId, OfficeId, AuthorId, TermId, UserId, KeyId, WebhookId, DeliveryId, MediaId);
