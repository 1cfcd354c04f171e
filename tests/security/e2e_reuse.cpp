// The security tests drive the real server with the end-to-end tests' client, server
// process, registry fixture and world; each tests/<area>/ folder is its own binary, so
// those sources are compiled into this one too, rather than written a second time.
#include "e2e/fixture.cpp"        // NOLINT(bugprone-suspicious-include)
#include "e2e/http_client.cpp"    // NOLINT(bugprone-suspicious-include)
#include "e2e/serve_process.cpp"  // NOLINT(bugprone-suspicious-include)
#include "e2e/world.cpp"          // NOLINT(bugprone-suspicious-include)
