#ifndef JOURNEY_CLIBPQ_SHIM_H
#define JOURNEY_CLIBPQ_SHIM_H
// PostgreSQL's C client (Debian: libpq-dev). The standard client brings the URL and PG*
// environment settings, ~/.pgpass, and TLS negotiation (sslmode=prefer by default).
#include <libpq-fe.h>
#endif
