//! The DCAT-AP 3 catalog for harvesters: `/catalog.ttl`, `/catalog.jsonld` (`?page=N`, and
//! `page_size` up to 1000; hydra links between pages), and one open dataset at
//! `/dataset/{name}.ttl` or `/dataset/{name}.jsonld`. Public. Adapters over
//! `pubdata_app::opening::dcat`; links are absolute, from the site's public address.

use crate::AppState;
use crate::api::query;
use crate::extract::{Caller, SiteUrl};
use crate::problem::Problem;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use pubdata_app::ActionError;
use pubdata_app::opening::ckan::{self, CkanRequest, CkanResult};
use pubdata_app::opening::dcat::{self, CatalogQuery, RdfFormat};

type QueryResult<T> = Result<Query<T>, axum::extract::rejection::QueryRejection>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/catalog.ttl", get(catalog_ttl))
        .route("/catalog.jsonld", get(catalog_jsonld))
        // The router cannot match a suffix after a parameter: the handler splits it.
        .route("/dataset/{file}", get(dataset))
        .route("/organization/{name}", get(organization))
        .route("/group/{name}", get(group))
}

/// A publisher's IRI in the catalog (CKAN's organization address) sees the unit's page on
/// the portal.
async fn organization(
    State(s): State<AppState>,
    c: Caller,
    site: SiteUrl,
    Path(name): Path<String>,
) -> Result<Response, Problem> {
    let req = CkanRequest::OrganizationShow {
        id: name,
        include_datasets: false,
    };
    match ckan::ckan_action(&s.app, &c.actor, &site.0, req).await {
        Ok(CkanResult::Group(g)) => Ok(see_other(&format!(
            "/open/orgs/{}",
            form_urlencoded::byte_serialize(g.id.as_bytes()).collect::<String>()
        ))),
        Ok(_) => Err(c.problem(ActionError::NotFound("organization_not_found"))),
        Err(e) => Err(c.problem(e)),
    }
}

/// A theme's IRI in the catalog (CKAN's group address) sees the portal's search by theme.
async fn group(
    State(s): State<AppState>,
    c: Caller,
    site: SiteUrl,
    Path(name): Path<String>,
) -> Result<Response, Problem> {
    let req = CkanRequest::GroupShow {
        id: name,
        include_datasets: false,
    };
    match ckan::ckan_action(&s.app, &c.actor, &site.0, req).await {
        Ok(CkanResult::Group(g)) => Ok(see_other(&format!(
            "/open/datasets?theme={}",
            form_urlencoded::byte_serialize(g.title.as_bytes()).collect::<String>()
        ))),
        Ok(_) => Err(c.problem(ActionError::NotFound("group_not_found"))),
        Err(e) => Err(c.problem(e)),
    }
}

/// 303 to a path made of URL-safe characters.
fn see_other(to: &str) -> Response {
    axum::response::Redirect::to(to).into_response()
}

fn rdf(format: RdfFormat, body: Vec<u8>) -> Response {
    let mut res = ([(header::CONTENT_TYPE, format.content_type())], body).into_response();
    crate::ckan_api::any_origin(&mut res);
    res
}

async fn catalog(
    s: AppState,
    c: Caller,
    site: SiteUrl,
    q: QueryResult<CatalogQuery>,
    format: RdfFormat,
) -> Result<Response, Problem> {
    let q = query(&c, q)?;
    let body = dcat::export_catalog(&s.app, &c.actor, &site.0, q, format)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(rdf(format, body))
}

async fn catalog_ttl(
    State(s): State<AppState>,
    c: Caller,
    site: SiteUrl,
    q: QueryResult<CatalogQuery>,
) -> Result<Response, Problem> {
    catalog(s, c, site, q, RdfFormat::Turtle).await
}

async fn catalog_jsonld(
    State(s): State<AppState>,
    c: Caller,
    site: SiteUrl,
    q: QueryResult<CatalogQuery>,
) -> Result<Response, Problem> {
    catalog(s, c, site, q, RdfFormat::JsonLd).await
}

/// `/dataset/{name}.ttl` or `.jsonld`; `/dataset/{name}` itself (the dataset's IRI in the
/// catalog, and CKAN's address of a dataset page) sees the portal's page; any other file
/// under `/dataset/` is not found.
async fn dataset(
    State(s): State<AppState>,
    c: Caller,
    site: SiteUrl,
    Path(file): Path<String>,
) -> Result<Response, Problem> {
    let url_safe = |n: &str| {
        n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !file.is_empty() && url_safe(&file) {
        return Ok(see_other(&format!("/open/datasets/{file}")));
    }
    let (name, format) = file
        .rsplit_once('.')
        .and_then(|(name, ext)| Some((name, RdfFormat::from_extension(ext)?)))
        .filter(|(name, _)| !name.is_empty())
        .ok_or_else(|| c.problem(ActionError::NotFound("not_found")))?;
    let body = dcat::export_dataset(&s.app, &c.actor, &site.0, name, format)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(rdf(format, body))
}
