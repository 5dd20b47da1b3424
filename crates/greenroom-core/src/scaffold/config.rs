//! `[scaffold]` in the config file.
//!
//! ```toml
//! [scaffold]
//! user = "user:default/ada"   # who "I" am: OwnedEntityPicker, MyGroupsPicker, `user.ref`
//! run = "auto"                # where templates run: "auto" (templates a Backstage source
//!                             # served run on that backend, others locally), "local", "remote"
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
    /// Where templates run by default (the review screen can switch where both are possible).
    #[serde(default)]
    pub run: RunPlace,
}

/// Where a template runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunPlace {
    /// On the backend that served the template; locally when it came from files.
    #[default]
    Auto,
    Local,
    Remote,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_user_and_refuses_unknown_keys() {
        let c: ScaffoldConfig = toml::from_str("user = \"user:default/ada\"").unwrap();
        assert_eq!(c.user.as_deref(), Some("user:default/ada"));
        assert!(toml::from_str::<ScaffoldConfig>("usr = \"x\"").is_err());
        assert_eq!(c.run, RunPlace::Auto);
        let r: ScaffoldConfig = toml::from_str("run = \"remote\"").unwrap();
        assert_eq!(r.run, RunPlace::Remote);
        assert!(toml::from_str::<ScaffoldConfig>("run = \"cloud\"").is_err());
    }
}
