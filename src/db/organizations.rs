//! Queries on organizations, their bodies and their offices.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{organization_bodies, organization_offices, organization_translations, organizations};
use super::{Backend, DbConn};
use crate::domain::ids::{BodyId, MediaId, OfficeId, OrganizationId, TermId};
use crate::domain::organization::{BodyKind, OfficeKind};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = organizations, check_for_backend(Backend))]
pub struct OrganizationRow {
    pub id: OrganizationId,
    pub slug: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub full_name: String,
    pub kind: String,
    pub tagline: String,
    pub description: String,
    pub member_count: Option<i64>,
    pub website: Option<String>,
    pub headquarters_city: Option<String>,
    pub headquarters_country: Option<String>,
    /// Exports made before there were logos hold none.
    #[serde(default)]
    pub logo_id: Option<MediaId>,
}

/// The fields a client writes.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = organizations, treat_none_as_null = true)]
pub struct OrganizationForm<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub full_name: &'a str,
    pub kind: &'a str,
    pub tagline: &'a str,
    pub description: &'a str,
    pub member_count: Option<i64>,
    pub website: Option<&'a str>,
    pub headquarters_city: Option<&'a str>,
    pub headquarters_country: Option<&'a str>,
    pub logo_id: Option<MediaId>,
    pub updated_at: NaiveDateTime,
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<OrganizationRow>> {
    organizations::table.order(organizations::slug).select(OrganizationRow::as_select()).load(conn)
}

/// The first organization made: the one a feed across all items is named after.
pub fn first(conn: &mut DbConn) -> QueryResult<Option<OrganizationRow>> {
    organizations::table.order(organizations::id).select(OrganizationRow::as_select()).first(conn).optional()
}

pub fn find(conn: &mut DbConn, slug: &str) -> QueryResult<OrganizationRow> {
    organizations::table.filter(organizations::slug.eq(slug)).select(OrganizationRow::as_select()).first(conn)
}

pub fn by_id(conn: &mut DbConn, id: OrganizationId) -> QueryResult<OrganizationRow> {
    organizations::table.find(id).select(OrganizationRow::as_select()).first(conn)
}

pub fn insert(conn: &mut DbConn, form: &OrganizationForm) -> QueryResult<OrganizationRow> {
    diesel::insert_into(organizations::table)
        .values((form, organizations::created_at.eq(form.updated_at)))
        .returning(<OrganizationRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: OrganizationId, form: &OrganizationForm) -> QueryResult<OrganizationRow> {
    diesel::update(organizations::table.find(id))
        .set(form)
        .returning(<OrganizationRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

pub fn delete(conn: &mut DbConn, id: OrganizationId) -> QueryResult<usize> {
    diesel::delete(organizations::table.find(id)).execute(conn)
}

pub fn id_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<OrganizationId>> {
    organizations::table.filter(organizations::slug.eq(slug)).select(organizations::id).first(conn).optional()
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = organization_bodies, check_for_backend(Backend))]
pub struct BodyRow {
    pub id: BodyId,
    pub organization_id: OrganizationId,
    pub name: String,
    pub kind: BodyKind,
    pub description: String,
    pub leader_title: Option<String>,
    pub meeting_cadence: Option<String>,
    pub sort_order: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = organization_bodies, treat_none_as_null = true)]
pub struct BodyForm<'a> {
    pub name: &'a str,
    pub kind: BodyKind,
    pub description: &'a str,
    pub leader_title: Option<&'a str>,
    pub meeting_cadence: Option<&'a str>,
    pub sort_order: i32,
    pub updated_at: NaiveDateTime,
}

pub fn bodies(conn: &mut DbConn, organization_id: OrganizationId) -> QueryResult<Vec<BodyRow>> {
    organization_bodies::table
        .filter(organization_bodies::organization_id.eq(organization_id))
        .order((organization_bodies::sort_order, organization_bodies::id))
        .select(BodyRow::as_select())
        .load(conn)
}

/// A body, only if it belongs to this organization.
pub fn body(conn: &mut DbConn, organization_id: OrganizationId, id: BodyId) -> QueryResult<BodyRow> {
    organization_bodies::table
        .find(id)
        .filter(organization_bodies::organization_id.eq(organization_id))
        .select(BodyRow::as_select())
        .first(conn)
}

pub fn insert_body(conn: &mut DbConn, organization_id: OrganizationId, form: &BodyForm) -> QueryResult<BodyRow> {
    diesel::insert_into(organization_bodies::table)
        .values((
            form,
            organization_bodies::organization_id.eq(organization_id),
            organization_bodies::created_at.eq(form.updated_at),
        ))
        .returning(<BodyRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

pub fn update_body(conn: &mut DbConn, id: BodyId, form: &BodyForm) -> QueryResult<BodyRow> {
    diesel::update(organization_bodies::table.find(id))
        .set(form)
        .returning(<BodyRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

pub fn delete_body(conn: &mut DbConn, id: BodyId) -> QueryResult<usize> {
    diesel::delete(organization_bodies::table.find(id)).execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = organization_offices, check_for_backend(Backend))]
pub struct OfficeRow {
    pub id: OfficeId,
    pub organization_id: OrganizationId,
    pub name: String,
    pub kind: OfficeKind,
    pub city: Option<String>,
    pub country: Option<String>,
    pub region_id: Option<TermId>,
    pub sort_order: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = organization_offices, treat_none_as_null = true)]
pub struct OfficeForm<'a> {
    pub name: &'a str,
    pub kind: OfficeKind,
    pub city: Option<&'a str>,
    pub country: Option<&'a str>,
    pub region_id: Option<TermId>,
    pub sort_order: i32,
    pub updated_at: NaiveDateTime,
}

pub fn offices(conn: &mut DbConn, organization_id: OrganizationId) -> QueryResult<Vec<OfficeRow>> {
    organization_offices::table
        .filter(organization_offices::organization_id.eq(organization_id))
        .order((organization_offices::sort_order, organization_offices::id))
        .select(OfficeRow::as_select())
        .load(conn)
}

/// An office, only if it belongs to this organization.
pub fn office(conn: &mut DbConn, organization_id: OrganizationId, id: OfficeId) -> QueryResult<OfficeRow> {
    organization_offices::table
        .find(id)
        .filter(organization_offices::organization_id.eq(organization_id))
        .select(OfficeRow::as_select())
        .first(conn)
}

pub fn insert_office(conn: &mut DbConn, organization_id: OrganizationId, form: &OfficeForm) -> QueryResult<OfficeRow> {
    diesel::insert_into(organization_offices::table)
        .values((
            form,
            organization_offices::organization_id.eq(organization_id),
            organization_offices::created_at.eq(form.updated_at),
        ))
        .returning(<OfficeRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

pub fn update_office(conn: &mut DbConn, id: OfficeId, form: &OfficeForm) -> QueryResult<OfficeRow> {
    diesel::update(organization_offices::table.find(id))
        .set(form)
        .returning(<OfficeRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

pub fn delete_office(conn: &mut DbConn, id: OfficeId) -> QueryResult<usize> {
    diesel::delete(organization_offices::table.find(id)).execute(conn)
}

/// An organization's profile in one more language (the document as the API takes it, JSON).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = organization_translations, check_for_backend(Backend))]
pub struct TranslationRow {
    pub organization_id: OrganizationId,
    pub lang: String,
    pub document: String,
    pub updated_at: NaiveDateTime,
}

/// The organization's translations, by language.
pub fn translations(conn: &mut DbConn, organization_id: OrganizationId) -> QueryResult<Vec<TranslationRow>> {
    organization_translations::table
        .filter(organization_translations::organization_id.eq(organization_id))
        .order(organization_translations::lang)
        .select(TranslationRow::as_select())
        .load(conn)
}

pub fn translation(
    conn: &mut DbConn,
    organization_id: OrganizationId,
    lang: &str,
) -> QueryResult<Option<TranslationRow>> {
    organization_translations::table
        .find((organization_id, lang))
        .select(TranslationRow::as_select())
        .first(conn)
        .optional()
}

/// Stores a translation over any in its language; `true` when there was none.
pub fn put_translation(conn: &mut DbConn, row: &TranslationRow) -> QueryResult<bool> {
    let replaced = delete_translation(conn, row.organization_id, &row.lang)?;
    diesel::insert_into(organization_translations::table).values(row).execute(conn)?;
    Ok(replaced == 0)
}

pub fn delete_translation(conn: &mut DbConn, organization_id: OrganizationId, lang: &str) -> QueryResult<usize> {
    diesel::delete(organization_translations::table.find((organization_id, lang))).execute(conn)
}
