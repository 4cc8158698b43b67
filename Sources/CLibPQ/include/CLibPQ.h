#ifndef JOURNEY_CLIBPQ_H
#define JOURNEY_CLIBPQ_H

// PostgreSQL's C client library, libpq, loaded when it is first needed (`journey fit
// --postgres`), not when the program starts: linking it would load it and its twenty
// libraries (TLS, Kerberos, LDAP, ...) into every process, some 7 ms of CPU time at each
// start. The entry points are libpq's own (libpq-fe.h); its ABI is stable (soname
// libpq.so.5; enumeration values are only ever added at the end).

#ifdef __cplusplus
extern "C" {
#endif

#pragma clang assume_nonnull begin

/// libpq's PGconn and PGresult, opaque.
typedef struct journey_pg_conn journey_pg_conn;
typedef struct journey_pg_result journey_pg_result;

/// libpq's ConnStatusType value CONNECTION_OK, ExecStatusType values PGRES_COMMAND_OK and
/// PGRES_TUPLES_OK.
enum { JOURNEY_PQ_CONNECTION_OK = 0, JOURNEY_PQ_COMMAND_OK = 1, JOURNEY_PQ_TUPLES_OK = 2 };

/// The libpq functions the client uses (all set once loaded).
typedef struct {
  journey_pg_conn *_Nullable (*_Nonnull connectdb)(const char *conninfo);
  void (*_Nonnull finish)(journey_pg_conn *conn);
  int (*_Nonnull status)(const journey_pg_conn *conn);
  char *_Nullable (*_Nonnull errorMessage)(const journey_pg_conn *conn);
  journey_pg_result *_Nullable (*_Nonnull exec)(journey_pg_conn *conn, const char *query);
  int (*_Nonnull resultStatus)(const journey_pg_result *res);
  char *_Nullable (*_Nonnull resultErrorMessage)(const journey_pg_result *res);
  char *_Nullable (*_Nonnull resultErrorField)(const journey_pg_result *res, int fieldcode);
  int (*_Nonnull ntuples)(const journey_pg_result *res);
  int (*_Nonnull nfields)(const journey_pg_result *res);
  char *_Nullable (*_Nonnull fname)(const journey_pg_result *res, int field_num);
  char *_Nullable (*_Nonnull getvalue)(const journey_pg_result *res, int tup_num, int field_num);
  int (*_Nonnull getisnull)(const journey_pg_result *res, int tup_num, int field_num);
  void (*_Nonnull clear)(journey_pg_result *res);
} journey_pq_api;

/// libpq's functions, the library loaded on the first call (thread-safe): from `path` when
/// it is not NULL, else libpq.so.5 (libpq.5.dylib on macOS) by the system's search. NULL
/// when the library or one of its functions cannot be loaded; `error` (when not NULL) then
/// holds why, a NUL-terminated message of at most `length` bytes. A failed load is not
/// retried with the same path; another path is tried.
const journey_pq_api *_Nullable journey_pq_load(const char *_Nullable path, char *_Nullable error, unsigned long length);

#pragma clang assume_nonnull end

#ifdef __cplusplus
}
#endif

#endif
