//! The OpenAPI 3.1 document at `/api/v1/openapi.json`, built from one table of endpoints.
//! A test keeps the table and the router in step.

use serde_json::{Value, json};

/// (method, path, summary, who may call, success status)
pub const ENDPOINTS: &[(&str, &str, &str, &str, u16)] = &[
    (
        "get",
        "/healthz",
        "Liveness: 200 when the server answers",
        "anyone",
        200,
    ),
    (
        "get",
        "/api/v1/me",
        "The caller: {id, username, org_id, roles}",
        "signed in",
        200,
    ),
    (
        "get",
        "/api/v1/orgs",
        "Units, cursor-paged (cursor, limit ≤ 1000, include_disabled)",
        "staff",
        200,
    ),
    (
        "post",
        "/api/v1/orgs",
        "Create a unit: {name, kind, sector, uscc, parent_id, accountable_head}; a bad USCC is 422 code invalid_uscc",
        "platform_admin",
        201,
    ),
    ("get", "/api/v1/orgs/{id}", "One unit", "staff", 200),
    (
        "put",
        "/api/v1/orgs/{id}",
        "Change a unit (same body as create)",
        "platform_admin",
        200,
    ),
    (
        "post",
        "/api/v1/orgs/{id}/disable",
        "Disable a unit: its users can no longer sign in",
        "platform_admin",
        200,
    ),
    (
        "post",
        "/api/v1/orgs/{id}/enable",
        "Enable a unit again",
        "platform_admin",
        200,
    ),
    (
        "get",
        "/api/v1/users",
        "Users, cursor-paged; org_id= filters (a steward must give its own unit)",
        "platform_admin, auditor, steward",
        200,
    ),
    (
        "post",
        "/api/v1/users",
        "Create a user: {username, display_name, org_id, roles, password}",
        "platform_admin; steward for its own unit's stewards and members",
        201,
    ),
    (
        "get",
        "/api/v1/users/{id}",
        "One user",
        "the user, or as for the list",
        200,
    ),
    (
        "patch",
        "/api/v1/users/{id}",
        "Change a user: {display_name?, org_id?, roles?, password?}",
        "as for create",
        200,
    ),
    (
        "post",
        "/api/v1/users/{id}/disable",
        "Disable a user and end its sessions",
        "as for create",
        200,
    ),
    (
        "post",
        "/api/v1/users/{id}/enable",
        "Enable a user again (also lifts a lockout)",
        "as for create",
        200,
    ),
    (
        "post",
        "/api/v1/register",
        "Register a public user: {username, display_name, password, contact?}",
        "anyone",
        201,
    ),
    (
        "get",
        "/api/v1/tokens",
        "The caller's API tokens (never the raw value), with status and last use",
        "signed in",
        200,
    ),
    (
        "post",
        "/api/v1/tokens",
        "Create a token for oneself: {name, scope: read|write, expires_in: 30d|12h|90m}; the raw `token` is in this answer only",
        "signed in, write scope",
        201,
    ),
    (
        "post",
        "/api/v1/tokens/{id}/revoke",
        "Revoke one of one's own tokens",
        "signed in, write scope",
        200,
    ),
    (
        "get",
        "/api/v1/calendar/add-working-days",
        "?from=YYYY-MM-DD&days=N → {date}: N working days after from, counting from the next day",
        "anyone",
        200,
    ),
    (
        "get",
        "/api/v1/calendar/days",
        "The listed days: holidays and worked weekend days",
        "staff",
        200,
    ),
    (
        "put",
        "/api/v1/calendar/days/{date}",
        "Set a listed day: {kind: holiday|workday, name}",
        "platform_admin",
        200,
    ),
    (
        "delete",
        "/api/v1/calendar/days/{date}",
        "Remove a listed day",
        "platform_admin",
        204,
    ),
    (
        "get",
        "/api/v1/audit/checkpoint",
        "The latest signed tree head: a C2SP tlog-checkpoint signed note (text/plain, Ed25519); ?format=json gives {origin, tree_size, root_hash, timestamp, note}. A new one is signed at least every 10 s while the log grows. Hashes are base64; leaf = SHA-256(0x00 ‖ canonical entry bytes), node = SHA-256(0x01 ‖ left ‖ right) (RFC 9162)",
        "anyone",
        200,
    ),
    (
        "post",
        "/api/v1/audit/checkpoint",
        "Sign a checkpoint now (it covers this request's own entry); answers the JSON form",
        "platform_admin",
        201,
    ),
    (
        "get",
        "/api/v1/audit/public-key",
        "The current verification key as a signed-note verifier key (name+keyid+base64(0x01 ‖ Ed25519 key)), text/plain; ?format=json gives {origin, algorithm, key, keys: [{key, created_at, retired_at}]} with every key the log ever signed with",
        "anyone",
        200,
    ),
    (
        "post",
        "/api/v1/audit/keys/rotate",
        "Replace the signing key: {key}. The next checkpoint is signed by the old and the new key",
        "platform_admin",
        200,
    ),
    (
        "get",
        "/api/v1/audit/proof/inclusion",
        "Inclusion proof (RFC 9162 §2.1.3): ?index=I&tree_size=N (default: the latest checkpoint's size) → {leaf_index, tree_size, leaf_hash, audit_path}. 400 index_beyond_size, tree_size_beyond_log",
        "anyone",
        200,
    ),
    (
        "get",
        "/api/v1/audit/proof/consistency",
        "Consistency proof (RFC 9162 §2.1.4): ?first=M&second=N → {first, second, consistency_path}. 400 first_after_second, tree_size_beyond_log",
        "anyone",
        200,
    ),
    (
        "get",
        "/api/v1/audit/entries",
        "Entries ?start=I&end=J (end exclusive, default start+100, at most 1000 a call; next_cursor is the next start) → {items: [{index, entry, bytes}], next_cursor}; bytes (base64) are the canonical form whose leaf hash is in the tree: compact JSON, keys in the order v, index, at_ms, actor_user_id, actor_username, actor_org_id, channel, action, target, decision, reason, purpose, request_id. 400 end_before_start, end_beyond_log, index_beyond_size",
        "auditor, platform_admin",
        200,
    ),
    (
        "get",
        "/api/v1/audit/entries/{index}",
        "One entry with its leaf hash and its inclusion proof against the latest checkpoint: {index, entry, bytes, leaf_hash, stored_leaf_hash, checkpoint, audit_path, verified}",
        "auditor, platform_admin",
        200,
    ),
    (
        "get",
        "/api/v1/audit/search",
        "Search entries, newest first: ?actor=USERNAME&org_id=&action=&target=(kind/id, or kind/ for all of a kind)&decision=allow|deny&from=&to= (YYYY-MM-DD in China Standard Time, or RFC 3339; to includes its day)&cursor=&limit= → {items: [{index, entry}], next_cursor}",
        "auditor, platform_admin",
        200,
    ),
    (
        "get",
        "/api/v1/resources",
        "Search the catalog: ?q= (Chinese of any length, Latin words as prefixes, mixed) &provider_org_id=&share_attr=&open_attr=&status= (default: all but withdrawn)&theme=&format=&update_cycle=&sort=relevance|updated&cursor=&limit= → {items: [resource], next_cursor, total, facets: {provider_org_id|theme|share_attr|open_attr|format|update_cycle: {value: count}}}. Others' drafts are not shown: a unit sees its own entries in every status, the authority and auditors all",
        "staff",
        200,
    ),
    (
        "post",
        "/api/v1/resources",
        "Draft a catalog entry: {code (class/item/catalogue/sequence, e.g. 1/01/002/0001), name, summary, provider_org_id, category basic|thematic|departmental, theme, format, update_cycle, share_attr, share_condition, share_legal_basis, share_methods [api|file|table], open_attr, open_condition, grade 1-4, tags, release_date, related_resource_ids, system_id, aggregated (default true), fields: [{name, code, type C|N|Y|D|T|L|M|G|B|I|F, is_key, identifier uscc|citizen_id|null, sensitive, grade, required, description}]}. A broken rule is 422 whose code names it (share_condition_required, share_legal_basis_required, not_shared_must_not_open, open_condition_required, key_field_required, identifier_kind_required, grade_below_fields, …); 409 resource_code_taken",
        "steward of the provider, platform_admin",
        201,
    ),
    (
        "get",
        "/api/v1/resources/{id}",
        "One catalog entry with status and version",
        "staff for published entries; the provider's own staff, platform_admin, auditor otherwise",
        200,
    ),
    (
        "put",
        "/api/v1/resources/{id}",
        "Change an entry (same body as create; read-only keys id, status, version, *_at are ignored). A draft or returned entry keeps its version; a published one becomes version n+1 and stays published; 409 resource_under_review while submitted",
        "steward of the provider, platform_admin",
        200,
    ),
    (
        "post",
        "/api/v1/resources/{id}/submit",
        "Submit a draft or returned entry for review (409 not_submittable otherwise)",
        "steward of the provider, platform_admin",
        200,
    ),
    (
        "post",
        "/api/v1/resources/{id}/approve",
        "Approve a submitted entry: it is published in the catalog",
        "platform_admin",
        200,
    ),
    (
        "post",
        "/api/v1/resources/{id}/return",
        "Return a submitted entry with {reason} (422 reason_required)",
        "platform_admin",
        200,
    ),
    (
        "post",
        "/api/v1/resources/{id}/withdraw",
        "Withdraw an entry with {reason}; every version is kept",
        "steward of the provider, platform_admin",
        200,
    ),
    (
        "get",
        "/api/v1/resources/{id}/versions",
        "The catalog versions, newest first: {items: [{version, status, changed_by, changed_at, resource}], next_cursor: null, events: [{version, kind: created|updated|submitted|returned|approved|withdrawn|imported, reason, actor_username, at}]}",
        "as for the entry",
        200,
    ),
    (
        "get",
        "/api/v1/resources/{id}/diff",
        "Field-by-field difference of two versions: ?old=N&new=M → {old, new, changes: [{path (share_attr, fields.CODE, fields.CODE.grade …), old, new}]}",
        "as for the entry",
        200,
    ),
    (
        "get",
        "/api/v1/systems",
        "The information-system registry: ?owner_org_id=&status=&cursor=&limit= → {items: [{id, name, owner_org_id, purpose, status planned|under_review|approved|in_service|retired, resource_ids, resources, review_note}], next_cursor}",
        "staff",
        200,
    ),
    (
        "post",
        "/api/v1/systems",
        "Register a system: {name, owner_org_id, purpose, resource_ids}; it starts planned",
        "steward of the owner, platform_admin",
        201,
    ),
    (
        "get",
        "/api/v1/systems/{id}",
        "One system with the resources it produces (declared, or naming it as their source)",
        "staff",
        200,
    ),
    (
        "put",
        "/api/v1/systems/{id}",
        "Change a system's name, purpose and declared resources (the owner is fixed)",
        "steward of the owner, platform_admin",
        200,
    ),
    (
        "post",
        "/api/v1/systems/{id}/submit",
        "planned → under_review",
        "steward of the owner, platform_admin",
        200,
    ),
    (
        "post",
        "/api/v1/systems/{id}/approve",
        "under_review → approved; refused (422 system_declares_no_resources, system_resources_unpublished naming them) while it declares no resource or any of its resources is unpublished — the reason is kept as review_note",
        "platform_admin",
        200,
    ),
    (
        "post",
        "/api/v1/systems/{id}/status",
        "{status: in_service|retired}",
        "steward of the owner, platform_admin",
        200,
    ),
    (
        "post",
        "/api/v1/orgs/{id}/duty-changes",
        "Record that a law, regulation or the unit's duties changed: {date, description, legal_source} → 201 the catalog review task {id, due_date (the catalog_update rule's working days after date, on the calendar), status, rule_days, rule_source, …}",
        "steward of the unit, platform_admin",
        201,
    ),
    (
        "get",
        "/api/v1/review-tasks",
        "Catalog review tasks: ?org_id=&status=open|closed&overdue=true → {items: [{id, org_id, date, description, legal_source, due_date, rule_days, rule_source, status, overdue, resolution, note, resource_id, closed_by, closed_at}]}; a change to any of the unit's entries closes its open tasks (resolution updated)",
        "the unit's staff; platform_admin and auditor for all",
        200,
    ),
    (
        "post",
        "/api/v1/review-tasks/{id}/close",
        "Close a task by hand: {resolution: updated|no_change, note (required for no_change)}",
        "steward of the unit, platform_admin",
        200,
    ),
    (
        "get",
        "/api/v1/deadline-rules",
        "Statutory deadlines in working days, each with its legal source: {items: [{key, days, legal_source, updated_at}]}",
        "staff",
        200,
    ),
    (
        "put",
        "/api/v1/deadline-rules/{key}",
        "Change a rule: {days, legal_source}; tasks already opened keep their due date",
        "platform_admin",
        200,
    ),
    (
        "get",
        "/api/v1/responsibility-list",
        "The responsibility list (责任清单) of published resources, one unit (?org_id=) or city-wide: ?format=json (default: {items: [{id, code, name, provider_org_id, provider_name, fields, update_cycle, share_attr, share_condition, share_methods, open_attr, open_condition, published_at}]}) | csv (UTF-8 with BOM) | xlsx — the import template's columns, one row per field",
        "staff",
        200,
    ),
    (
        "post",
        "/api/v1/catalog/import",
        "Import a catalog file sent as the request body (CSV in UTF-8, UTF-8 with BOM, GBK or GB18030 — detected; or XLSX; at most 20 MiB): ?mode=check (default: nothing changes) | import_all (only if the file has no error; else 422 import_has_errors with the report as `report`) | import_good (the resources without error become drafts) &org_id= (the importing unit; a steward's own) &filename= → the report {mode, format, encoding, rows, resources, good_resources, unknown_columns, error_count, errors: [{row, column, code, message_zh, message_en}], imported, resource_ids}. One transaction: all or nothing",
        "steward (its own unit), platform_admin",
        200,
    ),
    (
        "get",
        "/api/v1/openapi.json",
        "This document",
        "anyone",
        200,
    ),
];

pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, summary, who, status) in ENDPOINTS {
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        entry[*method] = json!({
            "summary": summary,
            "description": format!("Who may call: {who}."),
            "parameters": params,
            "responses": {
                status.to_string(): {"description": "success"},
                "default": {"description": "an error", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            }
        });
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "pubdata API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Public data platform. Authenticate with `Authorization: Bearer <token>`. Errors are RFC 9457 problem+json with a stable `code`; messages in zh-CN unless Accept-Language prefers English. Lists answer {items, next_cursor}."
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status", "code"],
                    "properties": {
                        "type": {"type": "string"}, "title": {"type": "string"},
                        "status": {"type": "integer"}, "detail": {"type": "string"},
                        "code": {"type": "string", "enum": crate::problem::CODES.iter().map(|c| c.0).collect::<Vec<_>>()},
                        "request_id": {"type": "string"},
                        "errors": {"type": "array", "items": {"type": "object", "properties": {
                            "field": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}}}}
                    }
                }
            }
        },
        "security": [{"bearer": []}],
        "paths": paths,
    })
}
