//! nginx and Apache configuration on Debian 12 style samples.

use kexin_hostscan::parse::MemRoot;
use kexin_hostscan::parse::apache::ApacheConfig;
use kexin_hostscan::parse::nginx::NginxConfig;

const NGINX_MAIN: &str = "\
# Sample nginx.conf in the Debian 12 layout (written for tests).
user www-data;
worker_processes auto;
pid /run/nginx.pid;
include /etc/nginx/modules-enabled/*.conf;

events {
\tworker_connections 768;
}

http {
\tsendfile on;
\tserver_tokens off;
\tssl_protocols TLSv1.2 TLSv1.3; # Dropping SSLv3
\tssl_prefer_server_ciphers on;
\tadd_header X-Frame-Options \"SAMEORIGIN\" always;
\tlog_format main '$remote_addr - \"$request\" ${status}';
\tinclude /etc/nginx/conf.d/*.conf;
\tinclude sites-enabled/*;
}
";

const SITE: &str = "\
server {
\tlisten 443 ssl default_server;
\tserver_name example.test;
\tssl_protocols TLSv1 TLSv1.2;
\troot /var/www/html;
\tlocation / {
\t\ttry_files $uri $uri/ =404;
\t}
\tlocation /files/ {
\t\tautoindex on;
\t\tadd_header Cache-Control no-store;
\t}
}
";

#[test]
fn nginx() {
    let root = MemRoot::new()
        .with("/etc/nginx/nginx.conf", NGINX_MAIN)
        .with(
            "/etc/nginx/modules-enabled/50-mod-stream.conf",
            "load_module modules/ngx_stream_module.so;\n",
        )
        .with("/etc/nginx/sites-enabled/default", SITE)
        .with(
            "/etc/nginx/conf.d/broken.conf",
            "gzip on\nserver_tokens on;\n}\n",
        );
    let c = NginxConfig::load(&root).unwrap();
    assert_eq!(c.files.len(), 4);
    assert_eq!(
        c.directives[3].name, "load_module",
        "include expanded in place"
    );
    let st = c.find_all("server_tokens");
    assert_eq!(st.len(), 1);
    assert_eq!(st[0].directive.args, vec!["off"]);
    assert_eq!(st[0].context(), vec!["http"]);
    assert_eq!(st[0].directive.loc.line, 13);
    // The broken file: `gzip on server_tokens on;` runs together (as nginx
    // reads it), then a stray `}`.
    let gz = c.find_all("gzip");
    assert_eq!(gz[0].directive.args, vec!["on", "server_tokens", "on"]);
    assert_eq!(gz[0].directive.loc.file, "/etc/nginx/conf.d/broken.conf");
    assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
    assert_eq!(
        (c.problems[0].file.as_str(), c.problems[0].line),
        ("/etc/nginx/conf.d/broken.conf", 3)
    );

    let servers = c.servers();
    assert_eq!(servers.len(), 1);
    let srv = servers[0];
    let http = c.http().unwrap();
    assert_eq!(
        c.inherited(&[http, srv], "ssl_protocols")[0].args,
        vec!["TLSv1", "TLSv1.2"]
    );
    assert_eq!(
        c.inherited(&[http, srv], "server_tokens")[0].args,
        vec!["off"]
    );
    let files = srv
        .children("location")
        .find(|l| l.args == ["/files/"])
        .unwrap();
    let hdr = c.inherited(&[http, srv, files], "add_header");
    assert_eq!(hdr.len(), 1);
    assert_eq!(
        hdr[0].args[0], "Cache-Control",
        "inner add_header hides outer ones"
    );
    let root_loc = srv.child("location").unwrap();
    assert_eq!(
        c.inherited(&[http, srv, root_loc], "add_header")[0].args,
        vec!["X-Frame-Options", "SAMEORIGIN", "always"]
    );
    let ai = c.find_all("autoindex");
    assert_eq!(ai[0].context(), vec!["http", "server", "location /files/"]);
    assert_eq!(ai[0].directive.loc.file, "/etc/nginx/sites-enabled/default");
    let lf = &c.find_all("log_format")[0].directive;
    assert_eq!(lf.args[1], "$remote_addr - \"$request\" ${status}");
}

#[test]
fn nginx_bad_input() {
    let c = NginxConfig::parse_str("/etc/nginx/nginx.conf", "http {\n server {\n  listen 80;\n");
    assert_eq!(c.problems.len(), 2);
    assert_eq!(c.find_all("listen").len(), 1);
    let c = NginxConfig::parse_str(
        "/etc/nginx/nginx.conf",
        "{ }\n;\ninclude x y;\na \"unterminated;\n",
    );
    let mut lines: Vec<usize> = c.problems.iter().map(|p| p.line).collect();
    lines.sort();
    assert_eq!(lines, vec![1, 2, 3, 4, 4], "{:?}", c.problems);
    let root = MemRoot::new().with("/etc/nginx/nginx.conf", "include nginx.conf;\n");
    let c = NginxConfig::load(&root).unwrap();
    assert!(c.problems.iter().any(|p| p.message.contains("deeper")));
}

const APACHE_MAIN: &str = "\
# Sample apache2.conf in the Debian 12 layout (written for tests).
DefaultRuntimeDir ${APACHE_RUN_DIR}
Timeout 300
IncludeOptional mods-enabled/*.load
IncludeOptional mods-enabled/*.conf
Include ports.conf
<Directory />
\tOptions FollowSymLinks
\tAllowOverride None
\tRequire all denied
</Directory>
<Directory /var/www/>
\tOptions Indexes FollowSymLinks
\tAllowOverride None
\tRequire all granted
</Directory>
AccessFileName .htaccess
IncludeOptional conf-enabled/*.conf
IncludeOptional sites-enabled/*.conf
";

const SECURITY_CONF: &str = "\
ServerTokens OS
ServerSignature On
ServerTokens Prod
TraceEnable Off
<IfModule mod_headers.c>
\tHeader set X-Content-Type-Options \"nosniff\"
</IfModule>
";

const VHOST: &str = "\
<IfModule mod_ssl.c>
\t<VirtualHost _default_:443>
\t\tServerAdmin webmaster@localhost
\t\tDocumentRoot /var/www/html
\t\tSSLEngine on
\t\tSSLProtocol all -SSLv3 \\
\t\t\t-TLSv1 -TLSv1.1
\t\tSSLCipherSuite HIGH:!aNULL
\t\tServerSignature Off
\t</VirtualHost>
</IfModule>
";

#[test]
fn apache() {
    let root = MemRoot::new()
        .with("/etc/apache2/apache2.conf", APACHE_MAIN)
        .with(
            "/etc/apache2/ports.conf",
            "Listen 80\n<IfModule ssl_module>\n\tListen 443\n</IfModule>\n",
        )
        .with(
            "/etc/apache2/mods-enabled/ssl.load",
            "LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so\n",
        )
        .with("/etc/apache2/conf-enabled/security.conf", SECURITY_CONF)
        .with("/etc/apache2/sites-enabled/default-ssl.conf", VHOST);
    let c = ApacheConfig::load(&root).unwrap();
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(c.files.len(), 5);
    let tokens = c.global("servertokens").unwrap();
    assert_eq!(tokens.args, vec!["Prod"]);
    assert_eq!(
        (tokens.loc.file.as_str(), tokens.loc.line),
        ("/etc/apache2/conf-enabled/security.conf", 3)
    );
    assert_eq!(c.global("ServerSignature").unwrap().args, vec!["On"]);
    let hdr = c.global("Header").unwrap();
    assert_eq!(hdr.args, vec!["set", "X-Content-Type-Options", "nosniff"]);
    let indexes: Vec<_> = c
        .find_all("Options")
        .into_iter()
        .filter(|f| f.node.args.iter().any(|a| a == "Indexes"))
        .collect();
    assert_eq!(indexes.len(), 1);
    assert_eq!(indexes[0].context(), vec!["Directory /var/www/"]);
    assert_eq!(indexes[0].node.loc.line, 13);
    let vhosts = c.virtual_hosts();
    assert_eq!(vhosts.len(), 1);
    let v = vhosts[0];
    assert_eq!(v.args, vec!["_default_:443"]);
    assert_eq!(
        c.in_vhost(v, "SSLProtocol").unwrap().args,
        vec!["all", "-SSLv3", "-TLSv1", "-TLSv1.1"]
    );
    assert_eq!(c.in_vhost(v, "ServerSignature").unwrap().args, vec!["Off"]);
    assert_eq!(c.in_vhost(v, "ServerTokens").unwrap().args, vec!["Prod"]);
    let proto = c.find_all("SSLProtocol");
    assert_eq!(proto[0].virtual_host().unwrap().loc.line, 2);
    assert_eq!(c.find_all("Listen").len(), 2);
}

#[test]
fn apache_bad_input() {
    let root = MemRoot::new().with(
        "/etc/apache2/apache2.conf",
        "<Directory /x>\nOptions \"unterminated\n</VirtualHost>\n</Directory>\nInclude missing.conf\nIncludeOptional missing.conf\n<IfModule x\n<VirtualHost *:80>\n",
    );
    let c = ApacheConfig::load(&root).unwrap();
    let lines: Vec<usize> = c.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 7, 8], "{:?}", c.problems);
    let rhel = MemRoot::new()
        .with(
            "/etc/httpd/conf/httpd.conf",
            "ServerRoot \"/etc/httpd\"\nInclude conf.d/*.conf\n",
        )
        .with("/etc/httpd/conf.d/ssl.conf", "SSLProtocol -all +TLSv1.2\n");
    let c = ApacheConfig::load(&rhel).unwrap();
    assert_eq!(
        c.global("sslprotocol").unwrap().args,
        vec!["-all", "+TLSv1.2"]
    );
    assert!(ApacheConfig::load(&MemRoot::new()).is_err());
}
