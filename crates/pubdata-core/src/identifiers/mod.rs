//! National identifiers: 公民身份号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015).
//!
//! Both types can only be built through `parse`, so a value in hand is always well formed
//! and carries its check character. The check-character helpers below let the demo-data
//! generator make valid codes.

mod citizen_id;
mod credit_code;

pub use citizen_id::{CitizenId, CitizenIdError};
pub use credit_code::{CreditCode, CreditCodeError};

/// The check character of a 公民身份号码 whose first 17 characters are `first17`
/// (ISO 7064 MOD 11-2): a digit or `X`.
///
/// Returns `None` unless `first17` is exactly 17 ASCII digits. Only the check character is
/// computed: the province and birth date are not validated here.
pub fn citizen_id_check_char(first17: &str) -> Option<char> {
    citizen_id::check_char(first17)
}

/// The check character of a 统一社会信用代码 whose first 17 characters are `first17`
/// (GB 32100 MOD 31).
///
/// Returns `None` unless `first17` is exactly 17 characters from the code set
/// `0123456789ABCDEFGHJKLMNPQRTUWXY` (upper case only).
pub fn credit_code_check_char(first17: &str) -> Option<char> {
    credit_code::check_char(first17)
}
