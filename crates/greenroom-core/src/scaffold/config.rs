//! `[scaffold]` in the config file.
//!
//! ```toml
//! [scaffold]
//! user = "user:default/ada"   # who "I" am: OwnedEntityPicker, MyGroupsPicker, `user.ref`
//! ```

use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaffoldConfig {
    /// A User entity ref (`user:default/ada`, or just `ada`). Without it, pickers that list
    /// what "I" own or belong to have nothing to list (`[status] user` is used when it is a
    /// User ref).
    #[serde(default)]
    pub user: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_user_and_refuses_unknown_keys() {
        let c: ScaffoldConfig = toml::from_str("user = \"user:default/ada\"").unwrap();
        assert_eq!(c.user.as_deref(), Some("user:default/ada"));
        assert!(toml::from_str::<ScaffoldConfig>("usr = \"x\"").is_err());
    }
}
