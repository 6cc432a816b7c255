//! Password rules (口令复杂度). The defaults follow the usual reading of 等保 level 3
//! (GB/T 22239-2019): at least 8 characters from at least 3 of the 4 character classes.

use serde::{Deserialize, Serialize};

/// How strong a new password must be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PasswordRules {
    /// Minimum length in characters (not bytes).
    pub min_length: usize,
    /// Minimum number of character classes: lower-case ASCII letters, upper-case ASCII
    /// letters, ASCII digits, and anything else (symbols, spaces, non-ASCII characters).
    pub min_classes: usize,
}

impl Default for PasswordRules {
    fn default() -> Self {
        PasswordRules {
            min_length: 8,
            min_classes: 3,
        }
    }
}

/// Usernames shorter than this are not looked for inside the password: a one- or
/// two-character name would reject too many good passwords.
const MIN_USERNAME_CHECKED: usize = 3;

/// The number of character classes (0–4) present in `password`.
fn class_count(password: &str) -> usize {
    let (mut lower, mut upper, mut digit, mut other) = (false, false, false, false);
    for c in password.chars() {
        match c {
            'a'..='z' => lower = true,
            'A'..='Z' => upper = true,
            '0'..='9' => digit = true,
            _ => other = true,
        }
    }
    [lower, upper, digit, other]
        .into_iter()
        .filter(|&b| b)
        .count()
}

impl PasswordRules {
    /// Checks `password` for the user `username`. The checks run in order — length,
    /// character classes, username — and the first failure is returned.
    ///
    /// The username check is case-insensitive and applies only when the (trimmed) username
    /// has at least 3 characters.
    pub fn check(&self, password: &str, username: &str) -> Result<(), PasswordError> {
        if password.chars().count() < self.min_length {
            return Err(PasswordError::TooShort {
                min: self.min_length,
            });
        }
        let found = class_count(password);
        if found < self.min_classes {
            return Err(PasswordError::TooFewClasses {
                min: self.min_classes,
                found,
            });
        }
        let username = username.trim();
        if username.chars().count() >= MIN_USERNAME_CHECKED
            && password.to_lowercase().contains(&username.to_lowercase())
        {
            return Err(PasswordError::ContainsUsername);
        }
        Ok(())
    }
}

/// Why a password does not meet the rules. The messages never repeat the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("the password must have at least {min} characters")]
    TooShort { min: usize },
    #[error(
        "the password must mix at least {min} of: lower-case letters, upper-case letters, \
         digits, symbols (it has {found})"
    )]
    TooFewClasses { min: usize, found: usize },
    #[error("the password must not contain the username")]
    ContainsUsername,
}

impl PasswordError {
    /// A stable machine-readable code for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            PasswordError::TooShort { .. } => "password_too_short",
            PasswordError::TooFewClasses { .. } => "password_too_few_classes",
            PasswordError::ContainsUsername => "password_contains_username",
        }
    }

    /// The message in Chinese, for the user interface.
    pub fn message_zh(&self) -> String {
        match self {
            PasswordError::TooShort { min } => format!("密码长度至少为{min}位"),
            PasswordError::TooFewClasses { min, found } => format!(
                "密码应至少包含小写字母、大写字母、数字、符号中的{min}类（当前为{found}类）"
            ),
            PasswordError::ContainsUsername => "密码不能包含用户名".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One table row: default rules, `password` for `username`.
    #[track_caller]
    fn check(password: &str, username: &str, expected: Result<(), PasswordError>) {
        assert_eq!(
            PasswordRules::default().check(password, username),
            expected,
            "password {password:?}, username {username:?}"
        );
    }

    fn short() -> Result<(), PasswordError> {
        Err(PasswordError::TooShort { min: 8 })
    }
    fn classes(found: usize) -> Result<(), PasswordError> {
        Err(PasswordError::TooFewClasses { min: 3, found })
    }
    fn username() -> Result<(), PasswordError> {
        Err(PasswordError::ContainsUsername)
    }

    #[test]
    fn default_rules() {
        assert_eq!(
            PasswordRules::default(),
            PasswordRules {
                min_length: 8,
                min_classes: 3
            }
        );

        check("Abcdef1!", "zhang", Ok(()));
        check("abcdef12", "zhang", classes(2));
        check("Abcdefg1", "zhang", Ok(()));
        check("abcdefg!", "zhang", classes(2));
        check("ABCDEF1!", "zhang", Ok(()));
        check("abcdefgh", "zhang", classes(1));
        check("12345678", "zhang", classes(1));
        check("", "zhang", short());
        check("Abc12!", "zhang", short());
        check("Abcde1!", "zhang", short());
        // Characters, not bytes: 7 Chinese characters are 21 bytes but too short, and a
        // non-ASCII character is an "other" class.
        check("密码密码密码密", "zhang", short());
        check("密码密码Abc1", "zhang", Ok(()));
        check("密码密码密码ab", "zhang", classes(2));
        // Spaces count as "other".
        check("abc def 1", "zhang", Ok(()));
    }

    #[test]
    fn username_containment() {
        check("Zhang2026!", "zhang", username());
        check("xxZHANGxx1!", "zhang", username());
        check("P@ss-Zhang-1", "ZhAnG", username());
        check("Abcdef1!", " abc ", username());
        // Usernames shorter than 3 characters are not checked.
        check("Ab1!Ab1!", "ab", Ok(()));
        check("Ab1!Ab1!", "", Ok(()));
        check("Ab1!Ab1!", "  ", Ok(()));
        // Non-ASCII usernames, case-insensitively where case exists.
        check("张三丰Abc123", "张三丰", username());
        check("ÄBCdef12!", "äbc", username());
        check("Zhan-g2026!", "zhang", Ok(()));
    }

    #[test]
    fn checks_run_in_order() {
        // Too short wins over classes and username.
        check("zhang", "zhang", short());
        // Classes win over username.
        check("zhangsan", "zhang", classes(1));
    }

    #[test]
    fn custom_rules() {
        let rules = PasswordRules {
            min_length: 12,
            min_classes: 4,
        };
        assert_eq!(
            rules.check("Abcdef1!", "u"),
            Err(PasswordError::TooShort { min: 12 })
        );
        assert_eq!(
            rules.check("Abcdefgh1234", "u"),
            Err(PasswordError::TooFewClasses { min: 4, found: 3 })
        );
        assert_eq!(rules.check("Abcdefgh123!", "u"), Ok(()));
        let lax = PasswordRules {
            min_length: 0,
            min_classes: 0,
        };
        assert_eq!(lax.check("", "user"), Ok(()));
    }

    #[test]
    fn codes_and_messages() {
        for (err, code, zh) in [
            (
                short().unwrap_err(),
                "password_too_short",
                "密码长度至少为8位",
            ),
            (
                classes(2).unwrap_err(),
                "password_too_few_classes",
                "密码应至少包含小写字母、大写字母、数字、符号中的3类（当前为2类）",
            ),
            (
                username().unwrap_err(),
                "password_contains_username",
                "密码不能包含用户名",
            ),
        ] {
            assert_eq!(err.code(), code);
            assert_eq!(err.message_zh(), zh);
            assert!(!err.to_string().is_empty());
        }
    }
}
