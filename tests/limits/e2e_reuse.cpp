// The limits tests drive the real server with the end-to-end tests' Beast client and
// server-process wrapper; each tests/<area>/ folder is its own binary, so those sources are
// compiled into this one too, rather than written a second time.
#include "e2e/http_client.cpp"    // NOLINT(bugprone-suspicious-include)
#include "e2e/serve_process.cpp"  // NOLINT(bugprone-suspicious-include)
