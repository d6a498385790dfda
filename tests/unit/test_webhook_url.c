#include <criterion/criterion.h>
#include <string.h>

#include "webhook_target.h"
#include "webhook_url.h"

Test(webhook_url, parses_scheme_host_and_port)
{
	const struct {
		const char *url;
		bool https;
		const char *host;
		unsigned port;
	} good[] = {
		{"https://hooks.example.org/peerd", true, "hooks.example.org", 443},
		{"HTTPS://hooks.example.org", true, "hooks.example.org", 443},
		{"http://127.0.0.1:8080/in?x=1", false, "127.0.0.1", 8080},
		{"https://[2606:4700::1111]:8443/x", true, "2606:4700::1111", 8443},
		{"https://[::1]/x", true, "::1", 443},
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		struct webhook_url parsed;
		const char *wrong = webhook_url_parse(good[i].url, &parsed);
		cr_assert_null(wrong, "%s: %s", good[i].url, wrong);
		cr_expect_eq(parsed.https, good[i].https, "%s", good[i].url);
		cr_expect_str_eq(parsed.host, good[i].host, "%s", good[i].url);
		cr_expect_eq(parsed.port, good[i].port, "%s", good[i].url);
	}
}

Test(webhook_url, refuses_what_peerd_will_not_post_to)
{
	const char *bad[] = {"",
			     "hooks.example.org/x",
			     "ftp://hooks.example.org/",
			     "file:///etc/passwd",
			     "https://",
			     "https:///path",
			     "https://user:pw@hooks.example.org/",
			     "https://user@hooks.example.org/",
			     "https://hooks.example.org:0/",
			     "https://hooks.example.org:70000/",
			     "https://hooks.example.org:x/",
			     "https://[::1/",
			     "https://hooks.example.org/a b",
			     "https://hooks.example.org/#frag"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct webhook_url parsed;
		cr_expect_not_null(webhook_url_parse(bad[i], &parsed), "%s", bad[i]);
	}
}

Test(webhook_target, refuses_private_addresses_and_http)
{
	char why[160];
	const char *refused[] = {"https://10.0.0.1/x",
				 "https://169.254.169.254/latest/meta-data/",
				 "https://127.0.0.1/x",
				 "https://[::1]/x",
				 "https://[::ffff:192.168.0.1]/x",
				 "https://100.64.0.1/x",
				 "https://0.0.0.0/x",
				 "https://[fe80::1]/x",
				 "http://8.8.8.8/x"};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
		cr_expect_not_null(webhook_target_refusal(refused[i], false, why, sizeof why), "%s",
				   refused[i]);
	cr_expect_null(webhook_target_refusal("https://8.8.8.8/x", false, why, sizeof why), "%s",
		       why);
}

Test(webhook_target, allow_http_admits_loopback_only)
{
	char why[160];
	cr_expect_null(webhook_target_refusal("http://127.0.0.1:9/x", true, why, sizeof why), "%s",
		       why);
	cr_expect_null(webhook_target_refusal("https://[::1]:9/x", true, why, sizeof why), "%s",
		       why);
	cr_expect_not_null(webhook_target_refusal("http://8.8.8.8/x", true, why, sizeof why));
	cr_expect_not_null(webhook_target_refusal("http://10.0.0.1/x", true, why, sizeof why));
}
