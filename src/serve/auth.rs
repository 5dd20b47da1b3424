//! Who may connect to `greenroom serve`, and as whom. Public keys only: authorized_keys files
//! in OpenSSH's format list them, and each key is an identity (a catalogue User ref) from
//! `[serve.users]` (by the key's `SHA256:` fingerprint or its comment) or else from the
//! comment itself (`alice@laptop` is `user:default/alice`). `cert-authority` lines trust an
//! organisation's CA: a user certificate it signed logs in as its principal (mapped through
//! `[serve.users]` too). The identity drives "mine", my on-call, the scaffolder's user and the
//! audit log. [`KeyFiles`] holds the keys now and reads the files again when they change (or
//! on SIGHUP), without a restart. The server's host key is generated on first start (Ed25519,
//! mode 0600, written beside itself and renamed into place) and read on every start after, so
//! clients see the same host.

use crate::catalog::{RefContext, parse_ref};
use crate::limits;
use russh::keys::ssh_key::{
    self, Certificate, HashAlg, LineEnding, PrivateKey, PublicKey, certificate::CertType,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// One authorised key (or certificate) and who it is.
#[derive(Clone, Debug)]
pub struct AuthorizedKey {
    pub key: PublicKey,
    /// `SHA256:...`, as `ssh-keygen -l` prints it (for a certificate: of the user's own key).
    pub fingerprint: String,
    /// The catalogue User ref (`user:default/alice`), when one could be told.
    pub identity: Option<String>,
    /// The comment, sanitised (for the audit log and `serve --status`); for a certificate,
    /// its key id and CA.
    pub comment: String,
}

/// A `cert-authority` line: a CA whose user certificates may log in.
#[derive(Clone, Debug)]
pub struct CertAuthority {
    pub key: PublicKey,
    pub fingerprint: ssh_key::Fingerprint,
    /// `principals="a,b"`: only certificates for one of these (else any principal).
    pub principals: Option<Vec<String>>,
    pub comment: String,
}

/// The keys and CAs that may connect.
#[derive(Clone, Debug, Default)]
pub struct AuthorizedKeys {
    keys: Vec<AuthorizedKey>,
    authorities: Vec<CertAuthority>,
    users: BTreeMap<String, String>,
}

/// What one line of an authorized_keys file is.
enum Line {
    Key(PublicKey),
    Authority(PublicKey, Option<Vec<String>>),
}

impl AuthorizedKeys {
    /// Reads an authorized_keys file. Lines that are not keys are reported (with their line
    /// number) and skipped; an unreadable file is an error.
    pub fn load(
        path: &Path,
        users: &BTreeMap<String, String>,
    ) -> Result<(AuthorizedKeys, Vec<String>), String> {
        let text = read(path)?;
        Ok(AuthorizedKeys::parse(&text, users))
    }

    /// Reads every file: the union of their keys. A file that cannot be read adds nothing
    /// and is reported, as are bad lines (`FILE: line N: why`).
    pub fn load_all(
        paths: &[PathBuf],
        users: &BTreeMap<String, String>,
    ) -> (AuthorizedKeys, Vec<String>) {
        let mut all = AuthorizedKeys {
            users: users.clone(),
            ..AuthorizedKeys::default()
        };
        let mut problems = Vec::new();
        for path in paths {
            match read(path) {
                Ok(text) => {
                    let (keys, p) = AuthorizedKeys::parse(&text, users);
                    all.keys.extend(keys.keys);
                    all.authorities.extend(keys.authorities);
                    problems.extend(p.into_iter().map(|p| format!("{}: {p}", path.display())));
                }
                Err(e) => problems.push(e),
            }
        }
        (all, problems)
    }

    pub fn parse(text: &str, users: &BTreeMap<String, String>) -> (AuthorizedKeys, Vec<String>) {
        let mut keys = Vec::new();
        let mut authorities = Vec::new();
        let mut problems = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match parse_line(line) {
                Ok(Line::Key(key)) => {
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
                Ok(Line::Authority(key, principals)) => authorities.push(CertAuthority {
                    fingerprint: key.fingerprint(HashAlg::Sha256),
                    comment: crate::text::sanitize_line(key.comment().as_str_lossy()).into_owned(),
                    key,
                    principals,
                }),
                Err(e) => problems.push(format!("line {}: {e}", n + 1)),
            }
        }
        let users = users.clone();
        (
            AuthorizedKeys {
                keys,
                authorities,
                users,
            },
            problems,
        )
    }

    /// The entry for a key the client offers (compared without comments).
    pub fn find(&self, key: &PublicKey) -> Option<&AuthorizedKey> {
        self.keys
            .iter()
            .find(|k| k.key.key_data() == key.key_data())
    }

    /// Whether any CA is trusted (then an unknown key may still carry a certificate).
    pub fn accepts_certificates(&self) -> bool {
        !self.authorities.is_empty()
    }

    /// Who a user certificate (its signature by the client already checked) logs in as, at
    /// `now` (Unix seconds), asked for as `login` (the SSH user name): it must be signed by a
    /// trusted CA, be a user certificate within its validity, permit a terminal, carry no
    /// critical option (none is honoured here: `source-address` would be ignored, so such a
    /// certificate is refused), and name a principal the CA line allows. Of several
    /// principals, `login` when it is one, else the first allowed.
    pub fn certificate(
        &self,
        cert: &Certificate,
        login: &str,
        now: u64,
    ) -> Result<AuthorizedKey, String> {
        let Some(ca) = self
            .authorities
            .iter()
            .find(|a| a.key.key_data() == cert.signature_key())
        else {
            return Err("certificate from an untrusted CA".into());
        };
        if cert.cert_type() != CertType::User {
            return Err("not a user certificate".into());
        }
        if cert.validate_at(now, [&ca.fingerprint]).is_err() {
            return Err(if now < cert.valid_after() || now >= cert.valid_before() {
                "certificate expired or not yet valid".into()
            } else {
                "certificate signature does not verify".into()
            });
        }
        if let Some(name) = cert.critical_options().keys().next() {
            return Err(format!(
                "certificate critical option {:?} is not supported",
                crate::text::sanitize_line(name)
            ));
        }
        if !cert.extensions().contains_key("permit-pty") {
            return Err("the certificate does not permit a terminal (permit-pty)".into());
        }
        let allowed = |p: &String| {
            ca.principals
                .as_ref()
                .is_none_or(|list| list.iter().any(|a| a == p))
        };
        let principals = cert.valid_principals();
        let principal = principals
            .iter()
            .find(|p| p.as_str() == login && allowed(p))
            .or_else(|| principals.iter().find(|p| allowed(p)));
        let Some(principal) = principal else {
            return Err(if principals.is_empty() {
                "the certificate names no principal".into()
            } else {
                "no principal of the certificate is allowed by its cert-authority line".into()
            });
        };
        let key = PublicKey::new(cert.public_key().clone(), "");
        let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
        let identity = self
            .users
            .get(principal)
            .map_or(principal.as_str(), String::as_str);
        let ca_name = if ca.comment.is_empty() {
            ca.fingerprint.to_string()
        } else {
            ca.comment.clone()
        };
        Ok(AuthorizedKey {
            key,
            fingerprint,
            identity: identity_ref(identity),
            comment: crate::text::sanitize_line(&format!(
                "certificate {:?} for {principal} from CA {ca_name}",
                cert.key_id()
            ))
            .into_owned(),
        })
    }

    /// Keys listed (not counting CAs).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// CAs trusted.
    pub fn authorities(&self) -> usize {
        self.authorities.len()
    }

    /// Nobody could log in.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.authorities.is_empty()
    }
}

fn read(path: &Path) -> Result<String, String> {
    crate::fsread::read_regular_string(path, limits::SERVE_AUTHORIZED_KEYS_BYTES)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// A line: `[options] type base64 [comment]`. Options are OpenSSH's business and are skipped
/// (`restrict`, `from=...` are not honoured), except `cert-authority` (the key is a CA) and
/// its `principals="..."`.
fn parse_line(line: &str) -> Result<Line, String> {
    let mut rest = line;
    let mut authority = false;
    let mut principals = None;
    loop {
        let token = rest.split_whitespace().next().unwrap_or("");
        if ssh_key::Algorithm::new(token).is_ok() {
            break;
        }
        let Some(end) = options_end(rest) else {
            return Err("not a public key".into());
        };
        for option in split_options(&rest[..end]) {
            let (name, value) = option.split_once('=').unwrap_or((option, ""));
            match name.to_ascii_lowercase().as_str() {
                "cert-authority" => authority = true,
                "principals" => {
                    let list: Vec<String> = value
                        .trim_matches('"')
                        .split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_owned)
                        .collect();
                    principals = Some(list);
                }
                _ => {}
            }
        }
        rest = rest[end..].trim_start();
        if rest.is_empty() {
            return Err("not a public key".into());
        }
    }
    let key = PublicKey::from_openssh(rest).map_err(|e| format!("not a public key ({e})"))?;
    if authority {
        Ok(Line::Authority(key, principals))
    } else if principals.is_some() {
        Err("principals= is only for cert-authority lines".into())
    } else {
        Ok(Line::Key(key))
    }
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

/// `a,b="x,y",c` into its options (commas inside quotes belong to the value).
fn split_options(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// A file's identity for noticing a change: size, modification time, inode (an editor's
/// save by rename changes it). `None` when it cannot be looked at.
type Stamp = Option<(u64, Option<std::time::SystemTime>, u64)>;

fn stamp(path: &Path) -> Stamp {
    let m = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let ino = std::os::unix::fs::MetadataExt::ino(&m);
    #[cfg(not(unix))]
    let ino = 0;
    Some((m.len(), m.modified().ok(), ino))
}

/// The authorised keys now, from their files: read again when one changes
/// ([`reload_if_changed`](Self::reload_if_changed), polled every
/// [`limits::SERVE_KEYS_POLL`]) or on SIGHUP ([`reload`](Self::reload)). A login uses the set
/// current when it is checked; sessions already open are not affected.
pub struct KeyFiles {
    paths: Vec<PathBuf>,
    users: BTreeMap<String, String>,
    current: RwLock<Arc<AuthorizedKeys>>,
    stamps: Mutex<Vec<Stamp>>,
}

/// What a reload found.
#[derive(Debug)]
pub struct Reloaded {
    pub keys: usize,
    pub authorities: usize,
    pub problems: Vec<String>,
}

impl KeyFiles {
    /// Reads `paths` now.
    pub fn load(paths: Vec<PathBuf>, users: BTreeMap<String, String>) -> (KeyFiles, Vec<String>) {
        let stamps = paths.iter().map(|p| stamp(p)).collect();
        let (keys, problems) = AuthorizedKeys::load_all(&paths, &users);
        (
            KeyFiles {
                paths,
                users,
                current: RwLock::new(Arc::new(keys)),
                stamps: Mutex::new(stamps),
            },
            problems,
        )
    }

    /// The keys now.
    pub fn get(&self) -> Arc<AuthorizedKeys> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// Reads every file again and makes the result current (a file that cannot be read
    /// adds no key: removing a file revokes its keys).
    pub fn reload(&self) -> Reloaded {
        let stamps: Vec<Stamp> = self.paths.iter().map(|p| stamp(p)).collect();
        let (keys, problems) = AuthorizedKeys::load_all(&self.paths, &self.users);
        let reloaded = Reloaded {
            keys: keys.len(),
            authorities: keys.authorities(),
            problems,
        };
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keys);
        *self.stamps.lock().unwrap_or_else(|e| e.into_inner()) = stamps;
        reloaded
    }

    /// Reloads when a file's size, time or inode changed since it was last read.
    pub fn reload_if_changed(&self) -> Option<Reloaded> {
        let now: Vec<Stamp> = self.paths.iter().map(|p| stamp(p)).collect();
        let changed = *self.stamps.lock().unwrap_or_else(|e| e.into_inner()) != now;
        changed.then(|| self.reload())
    }
}

/// A fixed set (tests, benches): no files to follow.
impl From<AuthorizedKeys> for KeyFiles {
    fn from(keys: AuthorizedKeys) -> KeyFiles {
        KeyFiles {
            paths: Vec::new(),
            users: keys.users.clone(),
            current: RwLock::new(Arc::new(keys)),
            stamps: Mutex::new(Vec::new()),
        }
    }
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
            "# team keys\n\n{ALICE}\nrestrict,command=\"x y\" {BOB}\nnot a key\ncert-authority,principals=\"a,b\" {ALICE}\nprincipals=\"a\" {BOB}\n"
        );
        let (keys, problems) = AuthorizedKeys::parse(&text, &users);
        assert_eq!(keys.len(), 2);
        assert_eq!(keys.authorities(), 1, "the cert-authority line is a CA");
        assert_eq!(
            keys.authorities[0].principals.as_deref(),
            Some(&["a".to_owned(), "b".to_owned()][..])
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("line 5:"), "{problems:?}");
        assert!(
            problems[1].contains("only for cert-authority"),
            "{problems:?}"
        );
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

    fn key(seed: u8) -> PrivateKey {
        PrivateKey::from(ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]))
    }

    /// A user certificate for `user`'s key signed by `ca`, valid from 1000 to 2000.
    fn cert(
        ca: &PrivateKey,
        user: &PrivateKey,
        principals: &[&str],
        f: impl FnOnce(&mut ssh_key::certificate::Builder),
    ) -> Certificate {
        let mut b = ssh_key::certificate::Builder::new(
            [7u8; 16].to_vec(),
            user.public_key().key_data().clone(),
            1000,
            2000,
        )
        .unwrap();
        b.cert_type(CertType::User).unwrap();
        b.key_id("alice's laptop").unwrap();
        for p in principals {
            b.valid_principal(*p).unwrap();
        }
        if principals.is_empty() {
            b.all_principals_valid().unwrap();
        }
        b.extension("permit-pty", "").unwrap();
        f(&mut b);
        b.sign(ca).unwrap()
    }

    #[test]
    fn certificates_from_a_trusted_ca_log_in_as_their_principal() {
        let (ca, other_ca, alice) = (key(1), key(2), key(3));
        let ca_line =
            |options: &str| format!("{options} {}", ca.public_key().to_openssh().unwrap());
        let mut users = BTreeMap::new();
        users.insert("bob".to_owned(), "user:ops/robert".to_owned());
        let (keys, problems) = AuthorizedKeys::parse(&ca_line("cert-authority"), &users);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(keys.accepts_certificates() && !keys.is_empty());

        let ok = cert(&ca, &alice, &["mei.lin", "bob"], |_| {});
        // The login name picks among the principals; else the first.
        let found = keys.certificate(&ok, "bob", 1500).unwrap();
        assert_eq!(
            found.identity.as_deref(),
            Some("user:ops/robert"),
            "mapped by [serve.users]"
        );
        let found = keys.certificate(&ok, "someone", 1500).unwrap();
        assert_eq!(found.identity.as_deref(), Some("user:default/mei.lin"));
        assert_eq!(
            found.fingerprint,
            alice.public_key().fingerprint(HashAlg::Sha256).to_string(),
            "sessions and stars follow the user's own key"
        );
        assert!(
            found.comment.contains("alice's laptop"),
            "{}",
            found.comment
        );

        let refused = |cert: &Certificate, keys: &AuthorizedKeys, now: u64| {
            keys.certificate(cert, "mei.lin", now).unwrap_err()
        };
        assert!(refused(&ok, &keys, 999).contains("expired or not yet valid"));
        assert!(refused(&ok, &keys, 2000).contains("expired or not yet valid"));
        let foreign = cert(&other_ca, &alice, &["mei.lin"], |_| {});
        assert!(refused(&foreign, &keys, 1500).contains("untrusted CA"));
        let mut b = ssh_key::certificate::Builder::new(
            [7u8; 16].to_vec(),
            alice.public_key().key_data().clone(),
            1000,
            2000,
        )
        .unwrap();
        b.cert_type(CertType::Host).unwrap();
        b.valid_principal("mei.lin").unwrap();
        let host = b.sign(&ca).unwrap();
        assert!(refused(&host, &keys, 1500).contains("not a user certificate"));
        let forced = cert(&ca, &alice, &["mei.lin"], |b| {
            b.critical_option("source-address", "10.0.0.0/8").unwrap();
        });
        assert!(refused(&forced, &keys, 1500).contains("source-address"));
        let mut b = ssh_key::certificate::Builder::new(
            [7u8; 16].to_vec(),
            alice.public_key().key_data().clone(),
            1000,
            2000,
        )
        .unwrap();
        b.cert_type(CertType::User).unwrap();
        b.valid_principal("mei.lin").unwrap();
        let no_pty = b.sign(&ca).unwrap();
        assert!(refused(&no_pty, &keys, 1500).contains("permit-pty"));
        let anyone = cert(&ca, &alice, &[], |_| {});
        assert!(refused(&anyone, &keys, 1500).contains("names no principal"));

        // principals="..." on the CA line: only those.
        let (keys, _) =
            AuthorizedKeys::parse(&ca_line("cert-authority,principals=\"bob,carol\""), &users);
        assert_eq!(
            keys.certificate(&ok, "mei.lin", 1500)
                .unwrap()
                .identity
                .as_deref(),
            Some("user:ops/robert"),
            "mei.lin is not allowed by the line, bob is"
        );
        let only_mei = cert(&ca, &alice, &["mei.lin"], |_| {});
        assert!(
            refused(&only_mei, &keys, 1500).contains("no principal of the certificate is allowed")
        );
        // A plain key line never vouches for certificates.
        let (keys, _) = AuthorizedKeys::parse(&ca.public_key().to_openssh().unwrap(), &users);
        assert!(!keys.accepts_certificates());
        assert!(refused(&ok, &keys, 1500).contains("untrusted CA"));
    }

    #[test]
    fn key_files_are_read_together_and_again_when_they_change() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, format!("{ALICE}\n")).unwrap();
        std::fs::write(&b, "garbage\n").unwrap();
        let (files, problems) = KeyFiles::load(vec![a.clone(), b.clone()], BTreeMap::new());
        assert_eq!(files.get().len(), 1);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with(&format!("{}: line 1", b.display())),
            "{problems:?}"
        );
        assert!(files.reload_if_changed().is_none(), "nothing changed");
        let bob = PublicKey::from_openssh(BOB).unwrap();
        assert!(files.get().find(&bob).is_none());
        // A new file replaces b (as an editor saves): bob may log in, without a restart.
        let tmp = dir.path().join("b.new");
        std::fs::write(&tmp, format!("{BOB}\n")).unwrap();
        std::fs::rename(&tmp, &b).unwrap();
        let r = files.reload_if_changed().expect("b changed");
        assert_eq!((r.keys, r.problems.len()), (2, 0));
        assert!(files.get().find(&bob).is_some());
        // Removing a file revokes its keys (and says so).
        std::fs::remove_file(&a).unwrap();
        let r = files.reload_if_changed().expect("a went");
        assert_eq!(r.keys, 1);
        assert!(
            r.problems[0].contains(&a.display().to_string()),
            "{:?}",
            r.problems
        );
        let alice = PublicKey::from_openssh(ALICE).unwrap();
        assert!(files.get().find(&alice).is_none());
        // reload() reads whatever the files say, changed or not.
        assert_eq!(files.reload().keys, 1);
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
