//! Where connections come from: a plain TCP listener, or the same listener
//! with TLS in front (`server.tls_cert` + `server.tls_key`).
//!
//! TLS handshakes run in their own tasks, bounded in number and time, and
//! only finished handshakes are handed to axum: a client that opens a
//! connection and never completes the handshake holds one slot for at most
//! [`HANDSHAKE_TIMEOUT`], never the accept loop. rustls with the *ring*
//! provider, TLS 1.2 and 1.3, HTTP/1.1 over ALPN.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};

/// How long a client has to finish the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshakes in progress at once; connections beyond are closed at once.
const MAX_HANDSHAKES: usize = 512;

/// Why the TLS files could not be used. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error(
        "server.{set} is set but server.{missing} is not; HTTPS needs both (or neither, for plain HTTP)"
    )]
    OnlyOne {
        set: &'static str,
        missing: &'static str,
    },
    #[error("cannot read {what} {}: {source}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{} (server.tls_cert) holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.display())]
    NoCertificate { path: PathBuf },
    #[error("{} (server.tls_key) holds no PEM private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)", path.display())]
    NoKey { path: PathBuf },
    #[error("{} ({key}) is not valid PEM: {reason}", path.display())]
    BadPem {
        key: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error("the key {} does not fit the certificate {}: {reason}", key.display(), cert.display())]
    Unusable {
        cert: PathBuf,
        key: PathBuf,
        reason: String,
    },
}

/// The TLS configuration from the two settings: `None` for plain HTTP.
pub fn tls_config(
    cert: Option<&Path>,
    key: Option<&Path>,
) -> Result<Option<Arc<rustls::ServerConfig>>, TlsError> {
    let (cert, key) = match (cert, key) {
        (None, None) => return Ok(None),
        (Some(_), None) => {
            return Err(TlsError::OnlyOne {
                set: "tls_cert",
                missing: "tls_key",
            });
        }
        (None, Some(_)) => {
            return Err(TlsError::OnlyOne {
                set: "tls_key",
                missing: "tls_cert",
            });
        }
        (Some(c), Some(k)) => (c, k),
    };
    let read = |what, path: &Path| {
        std::fs::read(path).map_err(|source| TlsError::Read {
            what,
            path: path.to_path_buf(),
            source,
        })
    };
    let cert_pem = read("the certificate chain", cert)?;
    let key_pem = read("the private key", key)?;
    warn_if_key_is_exposed(key);
    let bad_pem = |setting, path: &Path, e: pem::Error| TlsError::BadPem {
        key: setting,
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| bad_pem("server.tls_cert", cert, e))?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: cert.to_path_buf(),
        });
    }
    let private = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| match e {
        pem::Error::NoItemsFound => TlsError::NoKey {
            path: key.to_path_buf(),
        },
        other => bad_pem("server.tls_key", key, other),
    })?;
    let unusable = |reason: String| TlsError::Unusable {
        cert: cert.to_path_buf(),
        key: key.to_path_buf(),
        reason,
    };
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| unusable(e.to_string()))?
    .with_no_client_auth()
    .with_single_cert(chain, private)
    .map_err(|e| unusable(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(Arc::new(config)))
}

#[cfg(unix)]
fn warn_if_key_is_exposed(key: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(key)
        && meta.permissions().mode() & 0o004 != 0
    {
        tracing::warn!(file = %key.display(), "the TLS private key is readable by every user; chmod 600 it");
    }
}

#[cfg(not(unix))]
fn warn_if_key_is_exposed(_key: &Path) {}

/// A connection, plain or TLS.
pub trait Connection: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Connection for T {}

/// The peer's address, as handlers see it (`ConnectInfo<Peer>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer(pub SocketAddr);

/// The server's listener: plain TCP, or TCP with TLS.
pub struct Incoming {
    local: SocketAddr,
    mode: Mode,
}

enum Mode {
    Plain(TcpListener),
    Tls(mpsc::Receiver<(Box<dyn Connection>, SocketAddr)>),
}

impl Incoming {
    /// Serves `listener` as is, or with TLS when `tls` is given.
    pub fn new(
        listener: TcpListener,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> io::Result<Incoming> {
        let local = listener.local_addr()?;
        let mode = match tls {
            None => Mode::Plain(listener),
            Some(config) => {
                let (tx, rx) = mpsc::channel(64);
                tokio::spawn(accept_tls(
                    listener,
                    tokio_rustls::TlsAcceptor::from(config),
                    tx,
                ));
                Mode::Tls(rx)
            }
        };
        Ok(Incoming { local, mode })
    }

    /// The address bound (with the port chosen for `:0`).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Whether connections are TLS.
    pub fn is_tls(&self) -> bool {
        matches!(self.mode, Mode::Tls(_))
    }
}

impl axum::serve::Listener for Incoming {
    type Io = Box<dyn Connection>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, SocketAddr) {
        match &mut self.mode {
            Mode::Plain(listener) => {
                let (stream, peer) = accept_tcp(listener).await;
                (Box::new(stream), peer)
            }
            Mode::Tls(rx) => match rx.recv().await {
                Some(conn) => conn,
                // The acceptor task only stops when this receiver is gone.
                None => std::future::pending().await,
            },
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}

impl Connected<IncomingStream<'_, Incoming>> for Peer {
    fn connect_info(stream: IncomingStream<'_, Incoming>) -> Self {
        Peer(*stream.remote_addr())
    }
}

async fn accept_tcp(listener: &TcpListener) -> (TcpStream, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                return (stream, peer);
            }
            // A connection reset before it was accepted concerns that
            // client only; anything else (out of file descriptors) gets a
            // pause so the loop does not spin.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
                ) => {}
            Err(e) => {
                tracing::error!(error = %e, "cannot accept connections; retrying in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn accept_tls(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    ready: mpsc::Sender<(Box<dyn Connection>, SocketAddr)>,
) {
    let slots = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let (stream, peer) = tokio::select! {
            conn = accept_tcp(&listener) => conn,
            () = ready.closed() => return,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "too many TLS handshakes in progress; connection closed");
            continue;
        };
        let (acceptor, ready) = (acceptor.clone(), ready.clone());
        tokio::spawn(async move {
            let _slot = slot;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let _ = ready.send((Box::new(tls), peer)).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn plain_http_when_neither_file_is_set() {
        assert!(tls_config(None, None).unwrap().is_none());
    }

    #[test]
    fn errors_name_the_file_and_the_setting() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.pem");
        let e = tls_config(Some(&missing), None).unwrap_err().to_string();
        assert!(e.contains("server.tls_key is not"), "{e}");

        let e = tls_config(Some(&missing), Some(&missing))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("cannot read the certificate chain") && e.contains("nope.pem"),
            "{e}"
        );

        let empty = write(dir.path(), "empty.pem", "just text\n");
        let e = tls_config(Some(&empty), Some(&empty))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("empty.pem (server.tls_cert) holds no PEM certificate"),
            "{e}"
        );

        let broken = write(
            dir.path(),
            "broken.pem",
            "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
        );
        let e = tls_config(Some(&broken), Some(&empty))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("broken.pem (server.tls_cert) is not valid PEM"),
            "{e}"
        );
    }

    #[test]
    fn a_key_must_be_present_and_fit_the_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let cert_file = write(dir.path(), "cert.pem", &cert.pem());
        let key_file = write(dir.path(), "key.pem", &key.serialize_pem());
        assert!(
            tls_config(Some(&cert_file), Some(&key_file))
                .unwrap()
                .is_some()
        );

        let e = tls_config(Some(&cert_file), Some(&cert_file))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("cert.pem (server.tls_key) holds no PEM private key"),
            "{e}"
        );

        let other = write(
            dir.path(),
            "other.pem",
            &rcgen::KeyPair::generate().unwrap().serialize_pem(),
        );
        let e = tls_config(Some(&cert_file), Some(&other))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("the key") && e.contains("other.pem") && e.contains("does not fit"),
            "{e}"
        );
    }
}
