//! Closed sets stored by name in `TEXT` columns (a news item's status, a user's role, the kind
//! of a term, a body or an office): written and read as the enums themselves. A stored name
//! the service does not know is an error, never a silent default.

use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use diesel::pg::Pg;
use diesel::sqlite::Sqlite;

use super::Backend;
use super::terms::TermKind;
use crate::domain::news::NewsStatus;
use crate::domain::organization::{BodyKind, OfficeKind};
use crate::domain::users::Role;

/// `ToSql` and `FromSql` of a named enum on each backend (the multi-backend connection binds
/// through the one it runs on).
macro_rules! by_name {
    ($($ty:ident),*) => {$(
        by_name!(@each $ty: Backend, Sqlite, Pg);
    )*};
    (@each $ty:ident: $($db:ty),*) => {$(
        impl ToSql<Text, $db> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, $db>) -> serialize::Result {
                let name: &'static str = self.into();
                <str as ToSql<Text, $db>>::to_sql(name, out)
            }
        }

        impl FromSql<Text, $db> for $ty {
            fn from_sql(bytes: <$db as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let name = <String as FromSql<Text, $db>>::from_sql(bytes)?;
                name.parse().map_err(|_| format!("unknown {} `{name}` in the database", stringify!($ty)).into())
            }
        }
    )*};
}

stored_as!(Text: NewsStatus, Role, TermKind, BodyKind, OfficeKind);
by_name!(NewsStatus, Role, TermKind, BodyKind, OfficeKind);
