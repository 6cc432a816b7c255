//! Errors over HTTP: `application/problem+json` (RFC 9457) with a stable `code` and a message
//! in the caller's language (zh-CN by default, English by `Accept-Language`). Every code the
//! platform answers with is in [`CODES`] once, with its meaning in both languages.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pubdata_app::ActionError;
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// zh-CN unless the caller prefers English.
    pub fn from_headers(h: &HeaderMap) -> Lang {
        let v = h
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let first = v
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if first.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }
}

/// code → (Chinese, English)
pub const CODES: &[(&str, &str, &str)] = &[
    ("invalid_input", "输入有误", "The input is invalid"),
    (
        "invalid_uscc",
        "统一社会信用代码有误",
        "The unified social credit code is invalid",
    ),
    (
        "weak_password",
        "密码不符合要求",
        "The password does not meet the rules",
    ),
    ("invalid_date", "日期有误", "The date is invalid"),
    (
        "invalid_calendar",
        "日历数据有误",
        "The calendar data is invalid",
    ),
    (
        "malformed_json",
        "请求体不是合法的 JSON",
        "The request body is not valid JSON",
    ),
    (
        "invalid_json_fields",
        "请求体字段有误",
        "The request body has wrong or unknown fields",
    ),
    (
        "unsupported_media_type",
        "请求体应为 application/json",
        "The request body must be application/json",
    ),
    (
        "body_too_large",
        "请求体过大",
        "The request body is too large",
    ),
    (
        "bad_query",
        "查询参数有误",
        "The query parameters are invalid",
    ),
    ("not_signed_in", "请先登录", "Sign in first"),
    (
        "bad_credentials",
        "用户名或密码错误",
        "Wrong username or password",
    ),
    (
        "account_locked",
        "登录失败次数过多，账号已临时锁定",
        "Too many failed sign-ins: the account is locked for a while",
    ),
    ("account_disabled", "账号已停用", "The account is disabled"),
    (
        "session_invalid",
        "会话无效，请重新登录",
        "The session is not valid: sign in again",
    ),
    (
        "session_expired",
        "会话已超时，请重新登录",
        "The session timed out: sign in again",
    ),
    ("token_invalid", "令牌无效", "The token is not valid"),
    ("token_revoked", "令牌已吊销", "The token has been revoked"),
    ("token_expired", "令牌已过期", "The token has expired"),
    (
        "csrf_failed",
        "表单已失效，请刷新页面后重试",
        "The form expired: reload the page and try again",
    ),
    (
        "role_required",
        "当前角色无权执行此操作",
        "Your role does not allow this",
    ),
    (
        "other_org",
        "无权操作其他单位的数据",
        "This belongs to another unit",
    ),
    (
        "read_only_token",
        "只读令牌不能执行修改操作",
        "A read-only token cannot change anything",
    ),
    (
        "role_not_grantable",
        "无权授予该角色",
        "You may not grant that role",
    ),
    ("org_not_found", "单位不存在", "No such unit"),
    ("user_not_found", "用户不存在", "No such user"),
    ("token_not_found", "令牌不存在", "No such token"),
    (
        "calendar_day_not_found",
        "日历中没有该日期",
        "That day is not in the calendar",
    ),
    ("not_found", "页面不存在", "Not found"),
    (
        "uscc_taken",
        "该统一社会信用代码已被其他单位使用",
        "Another unit has this credit code",
    ),
    (
        "org_name_taken",
        "已有同名单位",
        "A unit with this name exists",
    ),
    ("username_taken", "用户名已被使用", "The username is taken"),
    (
        "token_already_revoked",
        "令牌已吊销",
        "The token was already revoked",
    ),
    (
        "cannot_disable_self",
        "不能停用自己的账号",
        "You cannot disable your own account",
    ),
    (
        "demo_not_empty",
        "数据目录不为空，不能载入演示数据",
        "The data directory is not empty",
    ),
    (
        "index_beyond_size",
        "条目序号超出树的大小",
        "The index is not below the tree size",
    ),
    (
        "tree_size_beyond_log",
        "树的大小超出审计日志的条目数",
        "The tree size is beyond the end of the audit log",
    ),
    (
        "first_after_second",
        "first 不能大于 second",
        "first must not be greater than second",
    ),
    (
        "end_before_start",
        "end 不能小于 start",
        "end must not be less than start",
    ),
    (
        "end_beyond_log",
        "end 超出审计日志的条目数",
        "end is beyond the end of the audit log",
    ),
    (
        "bad_format",
        "format 应为 text 或 json",
        "format must be text or json",
    ),
    ("bad_cursor", "分页游标有误", "The cursor is not valid"),
    (
        "audit_entry_not_found",
        "审计条目不存在",
        "No such audit entry",
    ),
    ("internal_error", "服务器内部错误", "Internal server error"),
];

pub fn title(code: &str, lang: Lang) -> &'static str {
    let (zh, en) = CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, zh, en)| (*zh, *en))
        .unwrap_or(("请求失败", "Request failed"));
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

pub fn status_of(e: &ActionError) -> StatusCode {
    match e {
        ActionError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        ActionError::BadRequest("body_too_large") => StatusCode::PAYLOAD_TOO_LARGE,
        ActionError::BadRequest("unsupported_media_type") => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ActionError::BadRequest(_) => StatusCode::BAD_REQUEST,
        ActionError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        ActionError::Forbidden(_) => StatusCode::FORBIDDEN,
        ActionError::NotFound(_) => StatusCode::NOT_FOUND,
        ActionError::Conflict(_) => StatusCode::CONFLICT,
        ActionError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An action's error as it goes out.
pub struct Problem {
    pub error: ActionError,
    pub lang: Lang,
    pub request_id: String,
    /// Extra detail (e.g. the JSON parser's message); the title otherwise.
    pub detail: Option<String>,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = status_of(&self.error);
        let code = self.error.code();
        let title = title(code, self.lang);
        let mut body = json!({
            "type": format!("https://pubdata.invalid/problems/{code}"),
            "title": title,
            "status": status.as_u16(),
            "detail": self.detail.clone().unwrap_or_else(|| title.to_owned()),
            "code": code,
            "request_id": self.request_id,
        });
        if let ActionError::Invalid { errors, .. } = &self.error {
            body["errors"] = errors
                .iter()
                .map(|f| {
                    let message = if self.lang == Lang::En {
                        &f.message_en
                    } else {
                        &f.message_zh
                    };
                    json!({"field": f.field, "code": f.code, "message": message})
                })
                .collect();
            if self.detail.is_none() {
                if let Some(f) = errors.first() {
                    body["detail"] = json!(if self.lang == Lang::En {
                        &f.message_en
                    } else {
                        &f.message_zh
                    });
                }
            }
        }
        let mut res = (status, body.to_string()).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            "application/problem+json".parse().expect("static"),
        );
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, "Bearer".parse().expect("static"));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_code_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for (c, zh, en) in super::CODES {
            assert!(seen.insert(*c), "{c} twice");
            assert!(!zh.is_empty() && !en.is_empty());
        }
    }
}
