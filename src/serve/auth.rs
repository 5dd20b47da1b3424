//! Who may connect to `greenroom serve`, and as whom. Public keys only: an `authorized_keys`
//! file in OpenSSH's format lists them, and each key is an identity (a catalogue User ref)
//! from `[serve.users]` (by the key's `SHA256:` fingerprint or its comment) or else from the
//! comment itself (`alice@laptop` is `user:default/alice`). The identity drives "mine", the
//! scaffolder's user and the audit log. The server's host key is generated on first start
//! (Ed25519, mode 0600, written beside itself and renamed into place) and read on every start
//! after, so clients see the same host.

use crate::catalog::{RefContext, parse_ref};
use crate::limits;
use russh::keys::ssh_key::{self, HashAlg, LineEnding, PrivateKey, PublicKey};
use std::collections::BTreeMap;
use std::path::Path;

/// One authorised key and who it is.
#[derive(Clone, Debug)]
pub struct AuthorizedKey {
    pub key: PublicKey,
    /// `SHA256:...`, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// The catalogue User ref (`user:default/alice`), when one could be told.
    pub identity: Option<String>,
    /// The comment, sanitised (for the audit log and `serve --status`).
    pub comment: String,
}

/// The keys that may connect.
#[derive(Clone, Debug, Default)]
pub struct AuthorizedKeys {
    keys: Vec<AuthorizedKey>,
}

impl AuthorizedKeys {
    /// Reads an authorized_keys file. Lines that are not keys are reported (with their line
    /// number) and skipped; an unreadable file is an error.
    pub fn load(
        path: &Path,
        users: &BTreeMap<String, String>,
    ) -> Result<(AuthorizedKeys, Vec<String>), String> {
        let text = crate::fsread::read_regular_string(path, limits::SERVE_AUTHORIZED_KEYS_BYTES)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(AuthorizedKeys::parse(&text, users))
    }

    pub fn parse(text: &str, users: &BTreeMap<String, String>) -> (AuthorizedKeys, Vec<String>) {
        let mut keys = Vec::new();
        let mut problems = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match parse_line(line) {
                Ok(key) => {
                    let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
                    let comment =
                        crate::text::sanitize_line(key.comment().as_str_lossy()).into_owned();
                    let identity = users
                        .get(&fingerprint)
                        .or_else(|| users.get(&comment).filter(|_| !comment.is_empty()))
                        .map(String::as_str)
                        .or(Some(comment.as_str()))
                        .and_then(identity_ref);
                    keys.push(AuthorizedKey {
                        key,
                        fingerprint,
                        identity,
                        comment,
                    });
                }
                Err(e) => problems.push(format!("line {}: {e}", n + 1)),
            }
        }
        (AuthorizedKeys { keys }, problems)
    }

    /// The entry for a key the client offers (compared without comments).
    pub fn find(&self, key: &PublicKey) -> Option<&AuthorizedKey> {
        self.keys
            .iter()
            .find(|k| k.key.key_data() == key.key_data())
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// A key line: `[options] type base64 [comment]`. Options (`restrict`, `from=...`) are
/// OpenSSH's business: they are skipped, not honoured, so a `cert-authority` line (CA keys)
/// is refused rather than half-understood.
fn parse_line(line: &str) -> Result<PublicKey, String> {
    let mut rest = line;
    loop {
        let token = rest.split_whitespace().next().unwrap_or("");
        if ssh_key::Algorithm::new(token).is_ok() {
            break;
        }
        if token.contains("cert-authority") {
            return Err("cert-authority lines are not supported (list the users' keys)".into());
        }
        // Skip one options field (quoted values may hold spaces).
        let Some(end) = options_end(rest) else {
            return Err("not a public key".into());
        };
        rest = rest[end..].trim_start();
        if rest.is_empty() {
            return Err("not a public key".into());
        }
    }
    PublicKey::from_openssh(rest).map_err(|e| format!("not a public key ({e})"))
}

fn options_end(s: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// A User ref from what `[serve.users]` or a comment says: a ref (`user:default/alice`,
/// `alice`) or an address-like comment (`alice@laptop`).
pub fn identity_ref(given: &str) -> Option<String> {
    let given = given.trim();
    let name = if given.contains(':') || given.contains('/') {
        given
    } else {
        given.split('@').next().unwrap_or("")
    };
    if name.is_empty() {
        return None;
    }
    let ctx = RefContext {
        default_kind: Some("User"),
        default_namespace: Some("default"),
    };
    parse_ref(name, ctx).ok().map(|r| r.canonical())
}

/// The server's host key: read from `path`, or generated there on first start.
/// Returns the key and whether it was generated now.
pub fn host_key(path: &Path) -> Result<(PrivateKey, bool), String> {
    let shown = path.display();
    match std::fs::read(path) {
        Ok(bytes) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(path)
                    .map_err(|e| format!("{shown}: {e}"))?
                    .permissions()
                    .mode();
                if mode & 0o077 != 0 {
                    return Err(format!(
                        "the host key {shown} can be read by others (mode {:o}): chmod 600 {shown}",
                        mode & 0o777
                    ));
                }
            }
            let key = PrivateKey::from_openssh(&bytes)
                .map_err(|e| format!("{shown}: not an OpenSSH private key ({e})"))?;
            if key.is_encrypted() {
                return Err(format!(
                    "{shown} is encrypted with a passphrase: the server cannot use it"
                ));
            }
            if matches!(key.algorithm(), ssh_key::Algorithm::Rsa { .. }) {
                // The rsa crate's private-key operations are not constant-time
                // (RUSTSEC-2023-0071): the server signs only with Ed25519 or ECDSA keys.
                return Err(format!(
                    "{shown} is an RSA key: use an Ed25519 host key (remove it to have one generated)"
                ));
            }
            Ok((key, false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = generate(path).map_err(|e| format!("writing the host key {shown}: {e}"))?;
            Ok((key, true))
        }
        Err(e) => Err(format!("reading the host key {shown}: {e}")),
    }
}

/// A new Ed25519 key from the system's random source.
pub fn new_ed25519() -> std::io::Result<PrivateKey> {
    let mut seed = [0u8; 32];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut seed)?;
    Ok(PrivateKey::from(
        ssh_key::private::Ed25519Keypair::from_seed(&seed),
    ))
}

/// A new Ed25519 key, written 0600 to a temporary file beside `path` and renamed into place.
fn generate(path: &Path) -> std::io::Result<PrivateKey> {
    let key = new_ed25519()?;
    let text = key
        .to_openssh(LineEnding::LF)
        .map_err(std::io::Error::other)?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // tempfile creates the file 0600.
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop";
    const BOB: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOrJTnF3jsMT/QooxGoabEqTTKNkETNn+7RpMGylhKGa bob@desk";

    #[test]
    fn keys_options_comments_and_identities() {
        let mut users = BTreeMap::new();
        let text = format!(
            "# team keys\n\n{ALICE}\nrestrict,command=\"x y\" {BOB}\nnot a key\ncert-authority {ALICE}\n"
        );
        let (keys, problems) = AuthorizedKeys::parse(&text, &users);
        assert_eq!(keys.len(), 2);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("line 5:"), "{problems:?}");
        assert!(problems[1].contains("cert-authority"), "{problems:?}");
        assert_eq!(
            keys.keys[0].identity.as_deref(),
            Some("user:default/alice"),
            "from the comment"
        );
        assert!(keys.keys[0].fingerprint.starts_with("SHA256:"));

        // [serve.users] by fingerprint wins over the comment.
        users.insert(keys.keys[0].fingerprint.clone(), "user:ops/carol".into());
        users.insert("bob@desk".into(), "dave".into());
        let (keys, _) = AuthorizedKeys::parse(&text, &users);
        assert_eq!(keys.keys[0].identity.as_deref(), Some("user:ops/carol"));
        assert_eq!(keys.keys[1].identity.as_deref(), Some("user:default/dave"));
        let offered = PublicKey::from_openssh(&ALICE.replace("alice@laptop", "other")).unwrap();
        assert!(keys.find(&offered).is_some(), "matched without the comment");
    }

    #[test]
    fn a_comment_with_escapes_is_sanitised() {
        let line = ALICE.replace("alice@laptop", "\x1b]0;pwn\x07eve");
        let (keys, _) = AuthorizedKeys::parse(&line, &BTreeMap::new());
        assert!(!keys.keys[0].comment.contains('\x1b'));
    }

    #[test]
    fn the_host_key_is_generated_0600_once_and_read_after() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/host_key");
        let (first, generated) = host_key(&path).unwrap();
        assert!(generated);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (again, generated) = host_key(&path).unwrap();
        assert!(!generated);
        assert_eq!(first.public_key(), again.public_key());
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let e = host_key(&path).unwrap_err();
            assert!(e.contains("chmod 600"), "{e}");
        }
    }

    /// A 1024-bit RSA key made by ssh-keygen for this test (never used to sign anything).
    const RSA_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\n\
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAlwAAAAdzc2gtcn\n\
NhAAAAAwEAAQAAAIEAoE+kwceRpAYFzOD2tjOFUHR836CcvrVNzwxrCmTLNiNeOTOIOrFY\n\
M7cM+JvcEocsW7fsI8VdIalbPBi/OlEizIaQ/9LtEWmjdYqHsK9Za4xGvVdaLJZOcoqF28\n\
pH+Z5HkehXReBfOA1L4qL8MKk45Ll435I+UWdLvOZ4aUK4nVkAAAIAtP84GbT/OBkAAAAH\n\
c3NoLXJzYQAAAIEAoE+kwceRpAYFzOD2tjOFUHR836CcvrVNzwxrCmTLNiNeOTOIOrFYM7\n\
cM+JvcEocsW7fsI8VdIalbPBi/OlEizIaQ/9LtEWmjdYqHsK9Za4xGvVdaLJZOcoqF28pH\n\
+Z5HkehXReBfOA1L4qL8MKk45Ll435I+UWdLvOZ4aUK4nVkAAAADAQABAAAAgB5dF2qwnx\n\
A/J8gXcAMwnPaRKbm9lRK2CmfGBVwxnR/C8SzKauoa/wbEjAtmkfdcbPVuT6ay0iH3DtXC\n\
Ji4ogfuIX5oAW3x1ExCivAGYLdvAJIV1ulT6vqo3TjhihCukQRd4e1kBTZGJSxvW/vTgVJ\n\
3s2wUikF9HHdmcMJzGTuhlAAAAQEYPPOqpO3uN5eHhWn2873+35bMI5Q/MaBb6pw5Yngv5\n\
G6I+on4ZCgUkHwSRFogpV+rGw2koy5Og5EjYmngsUFwAAABBAMrMFvRmXHfw7zBRRibrKp\n\
SbmJTzW3XcX+dHBJDcWNiMaev2uogCTPqmwTTLcZfVFRA0rqMIyfXX+oTGihJCxc8AAABB\n\
AMpeLRJ3gtaGf+F4GGf7AsmXBfFTEMo/HONgLLwkPycEj6DAH9eEEKbaZgBlF28SjJVtes\n\
u/LID/7CoBtM8/XFcAAAAEdGVzdAECAwQFBgc=\n\
-----END OPENSSH PRIVATE KEY-----\n\
";

    #[test]
    fn an_rsa_host_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rsa_key");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        std::io::Write::write_all(&mut options.open(&path).unwrap(), RSA_KEY.as_bytes()).unwrap();
        let e = host_key(&path).unwrap_err();
        assert!(e.contains("RSA key"), "{e}");
    }
}
