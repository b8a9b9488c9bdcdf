//! kexin-server
