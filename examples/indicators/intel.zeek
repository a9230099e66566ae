#fields	indicator	indicator_type	meta.source	meta.desc	meta.url	meta.do_notice
198.51.100.10	Intel::ADDR	cert-feed	loader C2 server	https://intel.example.org/reports/2026-004	T
203.0.113.45	Intel::ADDR	partner-isac	web exploitation source	-	T
198.51.100.23	Intel::ADDR	partner-isac	webmail login used for invoice fraud	-	F
2001:db8::bad	Intel::ADDR	cert-feed	loader C2 server (IPv6)	https://intel.example.org/reports/2026-004	T
198.51.100.64/27	Intel::SUBNET	partner-isac	bulletproof hosting netblock	-	F
evil.example	Intel::DOMAIN	cert-feed	phishing kit host	https://intel.example.org/reports/2026-001	T
badcdn.example.net	Intel::DOMAIN	partner-isac	malware distribution CDN	-	T
login-verify.test	Intel::DOMAIN	partner-isac	credential phishing	-	F
c2-relay.example.com	Intel::DOMAIN	cert-feed	loader C2 relay	https://intel.example.org/reports/2026-004	T
malware.example/dl/payload.bin	Intel::URL	cert-feed	loader download	https://intel.example.org/reports/2026-004	T
update.example.org/api/v2/beacon.php	Intel::URL	partner-isac	beacon endpoint	-	T
billing@invoices.example	Intel::EMAIL	partner-isac	invoice fraud sender	-	F
j.doe.helpdesk@example.net	Intel::EMAIL	cert-feed	helpdesk impersonation	-	F
3a37dfe702393e0fa6c8bbc2a299e490	Intel::FILE_HASH	cert-feed	invoice.exe loader (md5)	https://intel.example.org/reports/2026-004	T
bbed2cf3dfc8df07413df4f73ef8c9fcd698014e	Intel::FILE_HASH	cert-feed	invoice.exe loader (sha1)	https://intel.example.org/reports/2026-004	T
fb68fefd19ae3e8e5df28fb36d4e020e267318b40af47f492d549dc46c03c21b	Intel::FILE_HASH	partner-isac	macro document dropper	-	T
invoice.exe	Intel::FILE_NAME	cert-feed	loader file name	-	F
Q4_statement.docm	Intel::FILE_NAME	partner-isac	macro document lure	-	F
Mozilla/5.0 (Windows NT 6.1) BlackSun/3.2	Intel::SOFTWARE	cert-feed	loader user agent	https://intel.example.org/reports/2026-004	T
50b5b6386984383d531b53a829a58820	Intel::JA3	cert-feed	loader TLS client fingerprint	-	F
