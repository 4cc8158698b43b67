#include "CLibPQ.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#ifdef __APPLE__
static const char defaultName[] = "libpq.5.dylib";
#else
static const char defaultName[] = "libpq.so.5";
#endif

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static journey_pq_api api;
static int loaded;
/// The path of the last failed load and its message.
static char failedPath[1024];
static char failure[512];

static void *symbol(void *library, const char *name, int *missing) {
  void *f = dlsym(library, name);
  if (f == NULL && !*missing) {
    *missing = 1;
    snprintf(failure, sizeof failure, "it has no function %s (not PostgreSQL's libpq?)", name);
  }
  return f;
}

const journey_pq_api *journey_pq_load(const char *path, char *error, unsigned long length) {
  const char *name = path != NULL && path[0] != 0 ? path : defaultName;
  pthread_mutex_lock(&lock);
  if (!loaded && strcmp(name, failedPath) != 0) {
    void *library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
      const char *why = dlerror();
      snprintf(failure, sizeof failure, "%s", why != NULL ? why : "it cannot be loaded");
    } else {
      int missing = 0;
      journey_pq_api a;
      a.connectdb = (journey_pg_conn * (*)(const char *)) symbol(library, "PQconnectdb", &missing);
      a.finish = (void (*)(journey_pg_conn *))symbol(library, "PQfinish", &missing);
      a.status = (int (*)(const journey_pg_conn *))symbol(library, "PQstatus", &missing);
      a.errorMessage = (char *(*)(const journey_pg_conn *))symbol(library, "PQerrorMessage", &missing);
      a.exec = (journey_pg_result * (*)(journey_pg_conn *, const char *)) symbol(library, "PQexec", &missing);
      a.resultStatus = (int (*)(const journey_pg_result *))symbol(library, "PQresultStatus", &missing);
      a.resultErrorMessage = (char *(*)(const journey_pg_result *))symbol(library, "PQresultErrorMessage", &missing);
      a.resultErrorField = (char *(*)(const journey_pg_result *, int))symbol(library, "PQresultErrorField", &missing);
      a.ntuples = (int (*)(const journey_pg_result *))symbol(library, "PQntuples", &missing);
      a.nfields = (int (*)(const journey_pg_result *))symbol(library, "PQnfields", &missing);
      a.fname = (char *(*)(const journey_pg_result *, int))symbol(library, "PQfname", &missing);
      a.getvalue = (char *(*)(const journey_pg_result *, int, int))symbol(library, "PQgetvalue", &missing);
      a.getisnull = (int (*)(const journey_pg_result *, int, int))symbol(library, "PQgetisnull", &missing);
      a.clear = (void (*)(journey_pg_result *))symbol(library, "PQclear", &missing);
      if (missing) {
        dlclose(library);
      } else {
        api = a;
        loaded = 1;
      }
    }
    if (!loaded) snprintf(failedPath, sizeof failedPath, "%s", name);
  }
  const journey_pq_api *result = loaded ? &api : NULL;
  if (result == NULL && error != NULL && length > 0) snprintf(error, length, "%s", failure);
  pthread_mutex_unlock(&lock);
  return result;
}
