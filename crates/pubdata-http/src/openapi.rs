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
