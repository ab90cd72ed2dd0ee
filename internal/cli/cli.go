package cli

import (
	"strconv"
	"time"

	"github.com/alecthomas/kong"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/api"
	"github.com/coffeeshop/coffeeshop/sms"
	"github.com/coffeeshop/coffeeshop/twiliohook"
	"github.com/coffeeshop/coffeeshop/verify"
)

// The command line, declared for github.com/alecthomas/kong: a struct per
// subcommand, built from groups of flags that several subcommands share.
// Each flag's environment variable is in its env tag; a flag beats its
// variable, which beats the default. A value that does not parse — from a
// flag or a variable — stops the start with kong's error, which names the
// flag and the variable. validate (validate.go) then checks ranges and
// combinations without reading anything; load (load.go) reads the files
// the settings name.
//
// Defaults that differ between subcommands are ${vars}: set on the
// subcommand below, or global in kongVars. A doc-default tag describes a
// default that is not a plain value, for docs/operations.md. The min, max
// and nonempty tags bound a value (checkBounds in validate.go).
type commandLine struct {
	Dev      Dev      `cmd:"" help:"Runs everything in one process: the embedded Temporal server and Web UI, the worker, the gRPC and HTTP/JSON API with the signup page (/signup on --http-addr; / leads there) and a SQLite customer store in --data-dir (the default command)." kong:"set='fixedCode=1234',set='logFormat=text'"`
	Temporal Temporal `cmd:"" help:"Runs only the embedded Temporal server (SQLite file in --data-dir) and its Web UI. With --temporal-tls-cert and --temporal-tls-key its frontend serves TLS." set:"logFormat=text"`
	Worker   Worker   `cmd:"" help:"Runs the verification worker against a Temporal frontend and the customer database. Codes are crypto-random unless --fixed-code is given." kong:"set='fixedCode=',set='logFormat=json'"`
	API      API      `cmd:"" name:"api" help:"Runs the gRPC and HTTP/JSON API against a Temporal frontend and the customer database." set:"logFormat=json"`
	Bench    Bench    `cmd:"" help:"Load tool: creates -n customers through a server's HTTP/JSON API, -c at a time, verifies each with --code (after a wrong code with --wrong-first) and reads each back, then prints per operation requests, ok, req/s, p50/p95/p99/max latency and errors by status, and the verified/s, stale answers and customers not verified. Exits 1 if any answer was stale or any customer is not verified. Start dev with --no-rate-limit for load runs: the per-IP limits would answer 429. --scenario pumping plays an SMS pumping attack among legitimate customers instead; --scenario long is the long run: -n customers in one stream, --verify-share of them verified and the rest left open, with a row every --report-every customers of creates/s, create p50/p99, verifies/s and the server's RSS, goroutines (--metrics-url) and disk (--data-dir), the targets judged at the end (exit 1 if one was missed) and --plot drawing throughput and RSS as a PNG."`
	Ceiling  Ceiling  `cmd:"" help:"Measures the engine's ceiling: starts an embedded Temporal server with dev's settings on a fresh data dir (removed afterwards), then starts and awaits -n trivial workflows, -c at a time, with the verification worker's settings, and prints workflows/s and latencies. A verification cannot be cheaper than such a workflow; docs/benchmarks.md compares the two."`
	Keys     Keys     `cmd:"" help:"Creates, lists and revokes the API keys that backends call the API with (keys create, keys list, keys revoke), in dev's store in --data-dir or the database of --database-url."`
	Guard    Guard    `cmd:"" help:"Lists the number prefixes the SMS pumping guard has blocked, with the sends and conversion per country, and lifts blocks (guard list, guard unblock PREFIX), in dev's store in --data-dir or the database of --database-url."`
	Version  Version  `cmd:"" help:"Prints the version, VCS revision and Go version (also --version)."`
}

// The subcommands: which groups of flags each one takes.

type Dev struct {
	EmbeddedServerFlags
	APIFlags
	CodeFlags
	EmailFlags
	TextFlags
	ReceiptFlags
	ChannelFlags
	RandomCodes bool `name:"random-codes" env:"COFFEESHOP_RANDOM_CODES" help:"send codes derived from the code secret (random to anyone without it) instead of --fixed-code"`
	Auth        bool `name:"auth" env:"COFFEESHOP_AUTH" help:"require an API key (coffeeshop keys create) or a customer's verification token on every API call, as api always does. Without it dev answers anyone who reaches its API, so its --grpc-addr and --http-addr must then be loopback addresses"`
	SignupFlags
	CodeSecretFlags
	EncryptionFlags
	CodecFlags
	TestNumberFlags
	WorkerFlags
	LogFlags
	OpsFlags
	Files `kong:"-"`
}

type Temporal struct {
	EmbeddedServerFlags
	ServedTLSFlags
	EncryptionKeyFlags
	CodecFlags
	LogFlags
	Files `kong:"-"`
}

type Worker struct {
	RemoteFlags
	CodeFlags
	GuardPolicyFlags
	NoGuard bool `name:"no-rate-limit" env:"COFFEESHOP_NO_RATE_LIMIT" help:"${noRateLimitHelp}"`
	EmailFlags
	TextFlags
	ReceiptFlags
	CodeSecretFlags
	EncryptionFlags
	TestNumberFlags
	WorkerFlags
	LogFlags
	HealthAddr HostPort `name:"health-addr" env:"COFFEESHOP_HEALTH_ADDR" default:"127.0.0.1:8082" help:"listen address of the worker's /healthz, /readyz and /metrics; empty disables it (a second worker on one host needs another address or empty)"`
	OpsFlags
	Files `kong:"-"`
}

type API struct {
	RemoteFlags
	APIFlags
	ReceiptFlags
	ChannelFlags
	SignupPage bool `name:"signup-page" env:"COFFEESHOP_SIGNUP_PAGE" help:"serve the signup page, where a person signs up and verifies their phone, at /signup on --http-addr (dev always serves it). Its create goes through the API's own handler, with the same validation, rate limits and SMS pumping guard, as caller \"page\""`
	SignupFlags
	CodeSecretFlags
	EncryptionFlags
	TestNumberFlags
	LogFlags
	OpsFlags
	Files `kong:"-"`
}

type Bench struct {
	URL         string        `name:"url" env:"COFFEESHOP_BENCH_URL" default:"http://127.0.0.1:8081" help:"base URL of the HTTP/JSON API to drive"`
	N           int           `name:"n" short:"n" env:"COFFEESHOP_BENCH_N" default:"1000" help:"customers to create, verify and read back"`
	C           int           `name:"c" short:"c" env:"COFFEESHOP_BENCH_CONCURRENCY" default:"8" help:"requests in flight at once"`
	Code        string        `name:"code" env:"COFFEESHOP_BENCH_CODE" default:"1234" help:"the right verification code (dev's --fixed-code)"`
	WrongFirst  bool          `name:"wrong-first" env:"COFFEESHOP_BENCH_WRONG_FIRST" help:"send a wrong code before the right one; it must answer INCORRECT_CODE and the right one SUCCESS"`
	Timeout     time.Duration `name:"timeout" env:"COFFEESHOP_BENCH_TIMEOUT" default:"30s" help:"bound on each request"`
	JSON        bool          `name:"json" env:"COFFEESHOP_BENCH_JSON" help:"print the report as JSON (--scenario long: the rows go to stderr as they come, the report to stdout at the end)"`
	APIKey      string        `name:"api-key" env:"COFFEESHOP_BENCH_API_KEY" help:"API key sent on every request (a server with authentication on: api, dev --auth); it needs every scope. Prefer the variable: a flag shows in the process list"`
	Scenario    string        `name:"scenario" env:"COFFEESHOP_BENCH_SCENARIO" default:"flow" enum:"flow,pumping,long" help:"flow: create -n customers, verify and read back each; long: create -n customers in one stream, -c at a time, verify --verify-share of them right after their create and leave the rest open, and report every --report-every customers (see --metrics-url, --data-dir, --plot); pumping: an SMS pumping attack of --attack signups on --attack-prefixes prefixes that never verify, interleaved with --legit customers on prefixes of their own who verify, every request from its own client address in X-Forwarded-For (start the server with --trusted-proxy 127.0.0.1); it reports the texts sent to attack numbers, the legitimate customers refused and how long each attacked prefix took to be blocked, and exits 1 if a legitimate customer was refused"`
	Legit       int           `name:"legit" env:"COFFEESHOP_BENCH_LEGIT" default:"40" help:"--scenario pumping: legitimate customers, each on a prefix of its own, who create and verify with --code (0-10000)"`
	Attack      int           `name:"attack" env:"COFFEESHOP_BENCH_ATTACK" default:"200" help:"--scenario pumping: attack signups, never verified (1-100000, at most 1000 per attacked prefix)"`
	AttackPfx   int           `name:"attack-prefixes" env:"COFFEESHOP_BENCH_ATTACK_PREFIXES" default:"1" help:"--scenario pumping: prefixes the attack signs up numbers on, round robin; a prefix's first 100 numbers share all but their last two digits (1-1000)"`
	AttackWrong bool          `name:"attack-wrong-codes" env:"COFFEESHOP_BENCH_ATTACK_WRONG_CODES" help:"--scenario pumping: each attack signup that got a code then enters wrong codes, each from a new address, until its verification ends (for the codes a verification sends after wrong ones); their texts are counted from the server's coffeeshop_sms_sent_total (--metrics-url), so the server must serve nothing else during the run"`
	ReportEvery int           `name:"report-every" env:"COFFEESHOP_BENCH_REPORT_EVERY" default:"0" help:"--scenario long: a report row every this many customers done (0: a tenth of -n)"`
	VerifyShare float64       `name:"verify-share" env:"COFFEESHOP_BENCH_VERIFY_SHARE" default:"0.1" help:"--scenario long: share of the customers, 0 to 1, verified with --code right after their create, evenly spread (0.1: every tenth); the others stay open until the server's --verification-window ends them"`
	MetricsURL  string        `name:"metrics-url" env:"COFFEESHOP_BENCH_METRICS_URL" doc-default:"--url with /metrics" help:"--scenario long (and pumping with --attack-wrong-codes): the server's Prometheus /metrics (dev: on --http-addr, or its --metrics-addr), read before the run and at each row for the process's RSS (process_resident_memory_bytes) and goroutines (go_goroutines), or before and after the pumping run for its texts (coffeeshop_sms_sent_total); off reads none"`
	DataDir     string        `name:"data-dir" env:"COFFEESHOP_BENCH_DATA_DIR" doc-default:"none" help:"--scenario long: the server's data dir (dev's --data-dir) on this machine; its files, SQLite -wal files included, are summed at each row for the disk per customer"`
	Plot        string        `name:"plot" env:"COFFEESHOP_BENCH_PLOT" help:"--scenario long: write a PNG chart of throughput and RSS against customers to this file at the end"`
}

type Ceiling struct {
	N        int      `name:"n" short:"n" env:"COFFEESHOP_CEILING_N" default:"2000" help:"trivial workflows to start and await"`
	C        int      `name:"c" short:"c" env:"COFFEESHOP_CEILING_CONCURRENCY" default:"32" help:"workflows in flight at once"`
	JSON     bool     `name:"json" env:"COFFEESHOP_CEILING_JSON" help:"print the report as JSON (--scenario long: the rows go to stderr as they come, the report to stdout at the end)"`
	LogLevel logLevel `name:"log-level" env:"COFFEESHOP_LOG_LEVEL" default:"warn" help:"debug, info, warn or error"`
}

type Version struct{}

// The groups of flags.

// EmbeddedServerFlags place the embedded Temporal server (dev, temporal).
type EmbeddedServerFlags struct {
	DataDir      string        `name:"data-dir" nonempty:"" env:"COFFEESHOP_DATA_DIR" default:"./.coffeeshop" help:"folder of the Temporal SQLite files (temporal.db, and visibility.db for the Web UI's workflow lists) and, in dev, of the customer store (customers.db), the code secret (code-secret) and the payload key (encryption-key)"`
	TemporalAddr HostPort      `name:"temporal-addr" nonempty:"" env:"COFFEESHOP_TEMPORAL_ADDR" default:"127.0.0.1:7233" help:"listen address of the embedded Temporal frontend (gRPC)"`
	UIAddr       HostPort      `name:"ui-addr" env:"COFFEESHOP_UI_ADDR" default:"127.0.0.1:8233" help:"listen address of the Temporal Web UI; empty disables it"`
	Retention    time.Duration `name:"retention" min:"1h" max:"8760h" env:"COFFEESHOP_RETENTION" default:"24h" help:"how long the embedded server keeps a closed verification's workflow history and its Web UI listing after it closed (1h-8760h); the namespace is updated at start when it has another. Open verifications are not affected: they close at the end of --verification-window"`
}

// ServedTLSFlags are the certificate of the embedded frontend (temporal).
type ServedTLSFlags struct {
	ServeCertPath     string `name:"temporal-tls-cert" env:"COFFEESHOP_TEMPORAL_TLS_CERT" doc-default:"none (plaintext)" help:"PEM certificate (chain) of the embedded frontend; with --temporal-tls-key the frontend serves only TLS. It must name a DNS name or IP address (subject alternative name)"`
	ServeKeyPath      string `name:"temporal-tls-key" env:"COFFEESHOP_TEMPORAL_TLS_KEY" help:"PEM private key of --temporal-tls-cert"`
	ServeClientCAPath string `name:"temporal-tls-client-ca" env:"COFFEESHOP_TEMPORAL_TLS_CLIENT_CA" help:"PEM CA certificates: the frontend then requires a client certificate issued by one of them (mutual TLS)"`
}

// RemoteFlags connect a worker or api process to a Temporal
// frontend and to the customer database. The Temporal variables and flag
// names are the Temporal CLI's and SDKs' ("environment configuration"), so
// a process shares them with `temporal` commands run next to it; the
// older CLI names of the three files are read too.
type RemoteFlags struct {
	TemporalAddress HostPort `name:"temporal-address" nonempty:"" env:"TEMPORAL_ADDRESS" default:"127.0.0.1:7233" help:"Temporal frontend to connect to (host:port)"`
	Namespace       string   `name:"namespace" nonempty:"" env:"TEMPORAL_NAMESPACE" default:"default" help:"Temporal namespace"`
	RemoteTLSFlags
	DatabaseURL string `name:"database-url" env:"DATABASE_URL" default:"sqlite:.coffeeshop/customers.db" help:"customer database: postgres://…, sqlite:///abs/path or sqlite:rel/path"`
}

// RemoteTLSFlags are the TLS and API key of the connection to a remote
// frontend.
type RemoteTLSFlags struct {
	TLS        *bool  `name:"tls" env:"TEMPORAL_TLS" negatable:"" doc-default:"on when any --tls-* setting or an API key is given" help:"connect to the Temporal frontend with TLS (the system's roots unless --tls-ca-path); --tls=false forces plaintext, also with an API key"`
	CertPath   string `name:"tls-cert-path" env:"TEMPORAL_TLS_CLIENT_CERT_PATH,TEMPORAL_TLS_CERT" help:"PEM client certificate (chain) for mutual TLS with the Temporal frontend; needs --tls-key-path"`
	KeyPath    string `name:"tls-key-path" env:"TEMPORAL_TLS_CLIENT_KEY_PATH,TEMPORAL_TLS_KEY" help:"PEM private key of --tls-cert-path"`
	CAPath     string `name:"tls-ca-path" env:"TEMPORAL_TLS_SERVER_CA_CERT_PATH,TEMPORAL_TLS_CA" doc-default:"the system's roots" help:"PEM certificates of the CAs that issued the frontend's certificate"`
	ServerName string `name:"tls-server-name" env:"TEMPORAL_TLS_SERVER_NAME" doc-default:"the host of --temporal-address" help:"name the frontend's certificate is verified against (and sent as SNI)"`
	APIKey     string `name:"api-key" env:"TEMPORAL_API_KEY" help:"sent to the frontend as \"Authorization: Bearer <key>\" on every call (Temporal Cloud API keys); implies TLS unless --tls=false. Prefer the variable: a flag shows in the process list"`
}

// APIFlags are the API's listeners and the settings of the verifications
// it starts (dev, api).
type APIFlags struct {
	GRPCAddr    HostPort      `name:"grpc-addr" nonempty:"" env:"COFFEESHOP_GRPC_ADDR" default:"127.0.0.1:8080" help:"listen address of the gRPC API"`
	HTTPAddr    HostPort      `name:"http-addr" nonempty:"" env:"COFFEESHOP_HTTP_ADDR" default:"127.0.0.1:8081" help:"listen address of the HTTP/JSON API"`
	CodeTTL     time.Duration `name:"code-ttl" min:"1s" env:"COFFEESHOP_CODE_TTL" default:"${codeTTL}" help:"how long a verification code is valid (at least 1s)"`
	MaxAttempts int           `name:"max-attempts" min:"1" max:"100" env:"COFFEESHOP_MAX_ATTEMPTS" default:"${maxAttempts}" help:"codes a customer may send before the verification fails (1-100)"`
	PhoneRegion string        `name:"phone-region" env:"COFFEESHOP_PHONE_REGION" default:"${phoneRegion}" help:"ISO 3166 region in which a phone number without a leading + is read"`
	LimitFlags
	CodeLength         int           `name:"code-length" min:"${minCodeLength}" max:"${maxCodeLength}" env:"COFFEESHOP_CODE_LENGTH" default:"${codeLength}" help:"digits of a verification code, ${minCodeLength}-${maxCodeLength}; verify answers 400 to a code of another length (in dev it must match --fixed-code)"`
	VerificationWindow time.Duration `name:"verification-window" min:"1s" max:"720h" env:"COFFEESHOP_VERIFICATION_WINDOW" default:"${window}" help:"a verification without the right code by then ends as EXPIRED (1s-720h)"`
	ResendCooldown     time.Duration `name:"resend-cooldown" min:"1s" max:"1h" env:"COFFEESHOP_RESEND_COOLDOWN" default:"${resendCooldown}" help:"a resend this soon after a text is refused with 429 (1s-1h)"`
	MaxSends           int           `name:"max-sends" min:"1" max:"100" env:"COFFEESHOP_MAX_SENDS" default:"${maxSends}" help:"codes one verification may send on request, the first one included (1-100)"`
	CORSOrigins        corsOrigins   `name:"cors-origins" env:"COFFEESHOP_CORS_ORIGINS" help:"origins (scheme://host[:port], exact: no path, no trailing /, http or https), comma-separated, such as https://shop.example.com, whose web pages may call verify, resendCode and GET …/verification with a customer's verification token: those answers carry CORS headers for them. * is not accepted. Other routes (create, get) and origins get no CORS headers, so browsers withhold their answers from pages elsewhere"`
	GuardFlags
}

// SignupFlags configure the signup page (dev, api).
type SignupFlags struct {
	SignupReturnOrigins origins `name:"signup-return-origins" env:"COFFEESHOP_SIGNUP_RETURN_ORIGINS" help:"origins (scheme://host[:port]) the signup page's return_to may send a verified person back to, comma-separated, such as https://shop.example.com; any other return_to is ignored"`
}

// GuardFlags are the API's defences against SMS pumping (dev, api): which
// numbers a create accepts, and the prefix guard and budget shared by every
// api process through the database. --no-rate-limit turns the guard and
// the budget off, not the number rules.
type GuardFlags struct {
	AllowedCountries countries `name:"allowed-countries" env:"COFFEESHOP_ALLOWED_COUNTRIES" doc-default:"the country of --phone-region" help:"ISO 3166 codes of the countries whose phone numbers a create accepts, comma-separated (GB,GG,JE,IM), or * for all; a number of another country is refused with 403 COUNTRY_NOT_ALLOWED"`
	GeoMonitor       bool      `name:"geo-monitor" env:"COFFEESHOP_GEO_MONITOR" help:"only count (coffeeshop_guard_refusals_total, mode monitor) and log the numbers of countries outside --allowed-countries, and accept them: to learn before enforcing"`
	AllowVoIP        bool      `name:"allow-voip" env:"COFFEESHOP_ALLOW_VOIP" help:"accept VoIP numbers (refused by default: cheap to get in bulk). Premium-rate, shared-cost, toll-free, pager, UAN, voicemail, personal and fixed-line numbers are always refused"`
	GuardPolicyFlags
}

// GuardPolicyFlags are the prefix guard's policy and the budget (dev, api,
// worker: the worker puts the codes a run sends after a wrong or expired
// code to the guard). Every api and worker process of a deployment needs
// the same ones. Their defaults come from api.DefaultGuardPolicy.
type GuardPolicyFlags struct {
	GuardWindow        time.Duration `name:"guard-window" min:"1m" max:"168h" env:"COFFEESHOP_GUARD_WINDOW" default:"${guardWindow}" help:"sliding window over which the SMS pumping guard counts each number prefix's texts and verifications (1m-168h)"`
	GuardMinSends      int           `name:"guard-min-sends" min:"2" max:"1000000" env:"COFFEESHOP_GUARD_MIN_SENDS" default:"${guardMinSends}" help:"texts a prefix must reach in --guard-window before its conversion is judged; the text that reaches it with too few verifications blocks the prefix (2-1000000)"`
	GuardMinConversion float64       `name:"guard-min-conversion" env:"COFFEESHOP_GUARD_MIN_CONVERSION" default:"${guardMinConversion}" help:"share of a prefix's texts that must have led to a verification, 0 to 1; below it the prefix is blocked"`
	GuardBlock         time.Duration `name:"guard-block" min:"1s" max:"720h" env:"COFFEESHOP_GUARD_BLOCK" default:"${guardBlock}" help:"length of a prefix's first block; each repeat doubles it up to --guard-max-block (1s-720h)"`
	GuardMaxBlock      time.Duration `name:"guard-max-block" min:"1s" max:"720h" env:"COFFEESHOP_GUARD_MAX_BLOCK" default:"${guardMaxBlock}" help:"longest block of a prefix, at least --guard-block (1s-720h)"`
	SMSBudget          rate          `name:"sms-budget" env:"COFFEESHOP_SMS_BUDGET" default:"off" help:"texts all api and worker processes together may send (creates, resends, and the codes a verification sends by itself after a wrong or expired code or on the next channel): N/duration, a sliding window counted by the minute, or off; beyond it creates and resends are refused with 429 SMS_BUDGET_EXHAUSTED, and the other codes are not sent"`
}

// LimitFlags are the API's abuse limits (dev, api). Their defaults come
// from api.DefaultLimits, the table that says why each is what it is.
type LimitFlags struct {
	CreateIP       rate     `name:"rate-limit-create-ip" env:"COFFEESHOP_RATE_LIMIT_CREATE_IP" default:"${createIP}" help:"creates per client address: N/duration (N at once, refilled evenly over the duration) or off"`
	CreatePhone    rate     `name:"rate-limit-create-phone" env:"COFFEESHOP_RATE_LIMIT_CREATE_PHONE" default:"${createPhone}" help:"creates per phone number: N/duration or off"`
	VerifyIP       rate     `name:"rate-limit-verify-ip" env:"COFFEESHOP_RATE_LIMIT_VERIFY_IP" default:"${verifyIP}" help:"verify calls per client address: N/duration or off"`
	VerifyPhone    rate     `name:"rate-limit-verify-phone" env:"COFFEESHOP_RATE_LIMIT_VERIFY_PHONE" default:"${verifyPhone}" help:"verify calls per phone number: N/duration or off"`
	ResendIP       rate     `name:"rate-limit-resend-ip" env:"COFFEESHOP_RATE_LIMIT_RESEND_IP" default:"${resendIP}" help:"resend calls per client address: N/duration or off"`
	ResendPhone    rate     `name:"rate-limit-resend-phone" env:"COFFEESHOP_RATE_LIMIT_RESEND_PHONE" default:"${resendPhone}" help:"resend calls per phone number: N/duration or off"`
	NoRateLimit    bool     `name:"no-rate-limit" env:"COFFEESHOP_NO_RATE_LIMIT" help:"${noRateLimitHelp}"`
	TrustedProxies prefixes `name:"trusted-proxy" env:"COFFEESHOP_TRUSTED_PROXIES" help:"comma-separated IPs or CIDR prefixes of reverse proxies whose X-Forwarded-For names the client"`
}

// CodeFlags say how the worker makes and sends codes (dev, worker).
type CodeFlags struct {
	FixedCode       string        `name:"fixed-code" env:"COFFEESHOP_FIXED_CODE" default:"${fixedCode}" help:"send this code instead of a random one (local demos only)"`
	PhoneCodeLimit  int           `name:"phone-code-limit" min:"1" max:"10000" env:"COFFEESHOP_PHONE_CODE_LIMIT" default:"${phoneCodeLimit}" help:"codes at most texted to one phone number per --phone-code-window, across verifications; more are refused (429). Kept in the store, so it survives restarts (1-10000)"`
	PhoneCodeWindow time.Duration `name:"phone-code-window" min:"1s" max:"8760h" env:"COFFEESHOP_PHONE_CODE_WINDOW" default:"${phoneCodeWindow}" help:"the sliding window of --phone-code-limit (1s-8760h)"`
	SMSFlags
}

// SMSFlags choose and configure the senders of the SMS and WhatsApp
// channels, and the providers every channel's list may name (Twilio, the
// webhook) and how a list fails over. The Twilio auth token and
// the webhook's secret have no flag: they are read from TWILIO_AUTH_TOKEN
// and COFFEESHOP_SMS_WEBHOOK_SECRET only, since a flag would show in the
// process list.
type SMSFlags struct {
	SMSProvider            smsProvider      `name:"sms-provider" env:"COFFEESHOP_SMS_PROVIDER" default:"console" help:"who texts the codes: console (print them on stdout; development only), twilio or webhook (a signed JSON POST to --sms-webhook-url); or an ordered, comma-separated list of twilio and webhook (twilio,webhook): a provider that fails --sms-failover-after times in a row (5xx, timeouts) is skipped for --sms-failover-cooldown. WhatsApp and email have lists of their own (--whatsapp-provider, --email-provider)"`
	WhatsAppProvider       whatsAppProvider `name:"whatsapp-provider" env:"COFFEESHOP_WHATSAPP_PROVIDER" doc-default:"twilio, used once --twilio-whatsapp-from is given; otherwise no WhatsApp sender" help:"who sends the WhatsApp codes: twilio (from --twilio-whatsapp-from) or webhook (a signed JSON POST to --sms-webhook-url), or an ordered, comma-separated list of them (twilio,webhook) that fails over as --sms-provider's does, whatever --sms-provider is"`
	TwilioAccountSID       string           `name:"twilio-account-sid" env:"TWILIO_ACCOUNT_SID" help:"with twilio in --sms-provider or --whatsapp-provider: the account SID (AC + 32 hex digits); the auth token is read from TWILIO_AUTH_TOKEN only"`
	TwilioFrom             string           `name:"twilio-from" env:"TWILIO_FROM_NUMBER" help:"with --sms-provider twilio: the sender, a Twilio number in E.164 form or an alphanumeric sender ID; or give --twilio-messaging-service-sid"`
	TwilioServiceSID       string           `name:"twilio-messaging-service-sid" env:"TWILIO_MESSAGING_SERVICE_SID" help:"with --sms-provider twilio: the Messaging Service (MG…) that picks the sender, instead of --twilio-from"`
	TwilioWhatsAppFrom     string           `name:"twilio-whatsapp-from" env:"TWILIO_WHATSAPP_FROM" help:"with twilio in --whatsapp-provider (its default): the WhatsApp sender, a number in E.164 form enabled for WhatsApp on the account (messages go from whatsapp:<number>); giving it sends WhatsApp codes through Twilio"`
	WhatsAppTemplates      string           `name:"twilio-whatsapp-templates" env:"TWILIO_WHATSAPP_TEMPLATES" doc-default:"none (WhatsApp codes go as free text, which WhatsApp delivers only to someone who wrote to the sender in the last 24 hours: the sandbox)" help:"with twilio in --whatsapp-provider: the WhatsApp authentication templates approved for the sender, one per locale, as a comma-separated list of locale=ContentSid (en=HX…,es=HX…; Content Template Builder SIDs, HX + 32 hex digits). Each WhatsApp code then goes as the template of its text's locale (else of its language, else en's, else the first listed), with the code as its variable 1, instead of the text: what WhatsApp needs to reach someone who has not written first"`
	TwilioBaseURL          string           `name:"twilio-base-url" env:"TWILIO_BASE_URL" default:"${twilioBaseURL}" help:"with twilio in --sms-provider or --whatsapp-provider: base URL of Twilio's REST API (a proxy, or a fake in tests)"`
	SMSWebhookURL          string           `name:"sms-webhook-url" env:"COFFEESHOP_SMS_WEBHOOK_URL" help:"with webhook in --sms-provider, --whatsapp-provider or --email-provider: the http(s) URL each message of every such channel is POSTed to as JSON (its \"channel\" is sms, whatsapp or email), signed with HMAC-SHA256 under the secret in COFFEESHOP_SMS_WEBHOOK_SECRET (environment only, at least 32 bytes)"`
	SMSFailoverAfter       int              `name:"sms-failover-after" min:"1" max:"100" env:"COFFEESHOP_SMS_FAILOVER_AFTER" default:"${smsFailoverAfter}" help:"with a list of providers on any channel (--sms-provider, --whatsapp-provider, --email-provider): retryable failures in a row after which a provider is skipped on that channel (1-100)"`
	SMSFailoverCooldown    time.Duration    `name:"sms-failover-cooldown" min:"1s" max:"1h" env:"COFFEESHOP_SMS_FAILOVER_COOLDOWN" default:"${smsFailoverCooldown}" help:"with a list of providers on any channel: how long a failing provider is skipped on that channel before it is tried again (1s-1h)"`
	TwilioAuthToken        string           `kong:"-"`
	twilioAuthTokenPresent bool
	SMSWebhookSecret       string `kong:"-"`
}

// EmailFlags configure the senders of the email channel (dev, worker). The
// password has no flag: it is read from COFFEESHOP_SMTP_PASSWORD only.
type EmailFlags struct {
	EmailProvider emailProvider `name:"email-provider" env:"COFFEESHOP_EMAIL_PROVIDER" doc-default:"smtp with --smtp-addr; otherwise none (dev prints emails on stdout; worker sends none)" help:"who sends the email codes: smtp (through --smtp-addr) or webhook (a signed JSON POST to --sms-webhook-url), or an ordered, comma-separated list of them (smtp,webhook) that fails over as --sms-provider's does"`
	SMTPAddr      HostPort      `name:"smtp-addr" env:"COFFEESHOP_SMTP_ADDR" doc-default:"none (dev prints emails on stdout; worker sends none)" help:"the SMTP server (relay) that sends the emails, host:port (587 for submission); the smtp provider of --email-provider"`
	SMTPFrom      string        `name:"smtp-from" env:"COFFEESHOP_SMTP_FROM" help:"with --smtp-addr: the sender address, optionally with a name (Coffeeshop <codes@example.com>)"`
	SMTPUsername  string        `name:"smtp-username" env:"COFFEESHOP_SMTP_USERNAME" help:"with --smtp-addr: log in with AUTH PLAIN as this user; the password is read from COFFEESHOP_SMTP_PASSWORD only"`
	SMTPTLS       bool          `name:"smtp-tls" env:"COFFEESHOP_SMTP_TLS" negatable:"" default:"true" help:"require STARTTLS (the server's certificate verified with the system's roots); --smtp-tls=false still uses it when offered, and is refused with --smtp-username unless the server is on loopback"`
	SMTPPassword  string        `kong:"-"`
}

// CodeSecretFlags hold the key of the code HMACs (dev, worker, api).
type CodeSecretFlags struct {
	CodeSecret string `name:"code-secret" env:"COFFEESHOP_CODE_SECRET" doc-default:"generated in dev (--data-dir/code-secret); required in worker and api" help:"key of the code HMACs, hex or base64, at least 32 bytes; worker and api must share it. Prefer the variable: a flag shows in the process list"`
}

// EncryptionKeyFlags hold the payload keys (temporal, where they only
// serve the codec endpoint and are optional; and in EncryptionFlags).
type EncryptionKeyFlags struct {
	EncryptionKeys string `name:"encryption-key" env:"COFFEESHOP_ENCRYPTION_KEYS" doc-default:"generated in dev (--data-dir/encryption-key); required in worker and api unless --no-encryption; none in temporal" help:"encrypt every Temporal payload with AES-256-GCM: id:base64key[,id:base64key...], 32-byte keys (openssl rand -base64 32); the first encrypts, all decrypt (rotation). Every process of a deployment needs the same keys. Prefer the variable: a flag shows in the process list"`
}

// EncryptionFlags hold the payload keys of the processes that write
// workflow payloads (dev, worker, api). The payloads hold names, emails
// and phone numbers, so they are encrypted unless NoEncryption says
// otherwise: dev generates a key, worker and api refuse to start without
// one.
type EncryptionFlags struct {
	EncryptionKeyFlags
	NoEncryption bool `name:"no-encryption" env:"COFFEESHOP_NO_ENCRYPTION" help:"write workflow payloads unencrypted: customers' names, emails and phone numbers are then in plain text in Temporal's history, readable by anyone with access to the Web UI or the namespace"`
}

// CodecFlags place the codec endpoint of the Web UI (dev, temporal).
type CodecFlags struct {
	CodecAddr HostPort `name:"codec-addr" env:"COFFEESHOP_CODEC_ADDR" default:"127.0.0.1:8234" help:"listen address of the codec endpoint (/codec) that lets the Web UI show payloads decrypted, when they are encrypted (dev: unless --no-encryption; temporal: with --encryption-key); empty disables it. It has no authentication: keep it on the loopback or a network only operators reach"`
}

// WorkerFlags size the verification worker (dev, worker).
type WorkerFlags struct {
	WorkflowCache int `name:"workflow-cache" min:"1" max:"100000" env:"COFFEESHOP_WORKFLOW_CACHE" default:"${workflowCache}" help:"verifications the process keeps in memory between their steps (the Temporal SDK's sticky workflow cache); one that is not kept is rebuilt from its history (about 20 events) at its next step. Each costs about 45 KB of memory while kept (its state and three goroutines): more saves CPU when customers come back minutes later, fewer saves memory (1-100000)"`
}

// LogFlags set the logs and the profiler (dev, temporal, worker, api).
type LogFlags struct {
	LogLevel  logLevel  `name:"log-level" env:"COFFEESHOP_LOG_LEVEL" default:"info" help:"debug, info, warn or error"`
	LogFormat logFormat `name:"log-format" env:"COFFEESHOP_LOG_FORMAT" default:"${logFormat}" help:"text or json"`
	PprofAddr HostPort  `name:"pprof-addr" env:"COFFEESHOP_PPROF_ADDR" doc-default:"none (off)" help:"serve Go's runtime profiles (/debug/pprof/) on this address, on a listener of their own; keep it on loopback"`
}

// OpsFlags place the metrics and bound the shutdown (dev, worker, api).
type OpsFlags struct {
	MetricsAddr     HostPort      `name:"metrics-addr" env:"COFFEESHOP_METRICS_ADDR" doc-default:"none (on the HTTP API's port; worker: on --health-addr)" help:"serve Prometheus /metrics on a listener of its own at this address"`
	ShutdownTimeout time.Duration `name:"shutdown-timeout" min:"0s" max:"10m" env:"COFFEESHOP_SHUTDOWN_TIMEOUT" default:"20s" help:"on SIGTERM or SIGINT, how long in-flight requests and running activities may take to finish (0s-10m)"`
}

// kongVars are the defaults that come from the packages that own them.
func kongVars() kong.Vars {
	limits := api.DefaultLimits()
	guard := api.DefaultGuardPolicy()
	return kong.Vars{
		// One meaning in dev, api (creates, resends) and worker (the codes
		// after a wrong or expired code).
		"noRateLimitHelp":     "turn every per-client-address limit, the SMS pumping guard and --sms-budget off (local load tests; a split deployment gives it to its api and worker processes alike); per-phone limits, --allowed-countries and the number types stay",
		"guardWindow":         coffeeshop.ShortDuration(guard.Window),
		"guardMinSends":       strconv.Itoa(guard.MinSends),
		"guardMinConversion":  strconv.FormatFloat(guard.MinConversion, 'g', -1, 64),
		"guardBlock":          coffeeshop.ShortDuration(guard.BlockFor),
		"guardMaxBlock":       coffeeshop.ShortDuration(guard.MaxBlock),
		"codeTTL":             coffeeshop.ShortDuration(verify.DefaultCodeTTL),
		"maxAttempts":         strconv.Itoa(verify.DefaultMaxAttempts),
		"phoneRegion":         api.DefaultPhoneRegion,
		"codeLength":          strconv.Itoa(verify.DefaultCodeLength),
		"minCodeLength":       strconv.Itoa(verify.MinCodeLength),
		"maxCodeLength":       strconv.Itoa(verify.MaxCodeLength),
		"window":              coffeeshop.ShortDuration(verify.DefaultWindow),
		"workflowCache":       strconv.Itoa(verify.DefaultStickyCacheSize),
		"resendCooldown":      coffeeshop.ShortDuration(verify.DefaultResendCooldown),
		"maxSends":            strconv.Itoa(verify.DefaultMaxSends),
		"phoneCodeLimit":      strconv.Itoa(verify.DefaultPhoneCodeLimit),
		"phoneCodeWindow":     coffeeshop.ShortDuration(verify.DefaultPhoneCodeWindow),
		"twilioBaseURL":       sms.DefaultTwilioBaseURL,
		"receiptPath":         twiliohook.Path,
		"smsFailoverAfter":    strconv.Itoa(sms.DefaultFailoverAfter),
		"smsFailoverCooldown": coffeeshop.ShortDuration(sms.DefaultFailoverCooldown),
		"createIP":            limits[api.CreateMethod].PerIP.String(),
		"createPhone":         limits[api.CreateMethod].PerPhone.String(),
		"verifyIP":            limits[api.VerifyMethod].PerIP.String(),
		"verifyPhone":         limits[api.VerifyMethod].PerPhone.String(),
		"resendIP":            limits[api.ResendMethod].PerIP.String(),
		"resendPhone":         limits[api.ResendMethod].PerPhone.String(),
	}
}
