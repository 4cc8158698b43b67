#ifndef JOURNEYKIT_COPENBLAS_SHIM_H
#define JOURNEYKIT_COPENBLAS_SHIM_H

// CBLAS from OpenBLAS; LAPACK routines are the Fortran symbols OpenBLAS exports.
// There is no lapacke.h on the target systems, so the prototypes are declared here.
#include <cblas.h>

void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv,
            double *b, const int *ldb, int *info);
void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda,
            double *b, const int *ldb, int *info);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a,
             const int *lda, double *b, const int *ldb, int *info);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dgetri_(const int *n, double *a, const int *lda, const int *ipiv, double *work,
             const int *lwork, int *info);

/// OpenBLAS's worker threads (openblas_get_num_threads / openblas_set_num_threads, declared
/// by OpenBLAS's cblas.h): results of threaded reductions depend on the count, so work that
/// must be reproducible sets it to 1.
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);

static inline int journey_blas_threads(void) { return openblas_get_num_threads(); }

static inline void journey_set_blas_threads(int threads) { openblas_set_num_threads(threads); }

/// Ends OpenBLAS's worker threads (an exported OpenBLAS function without a header
/// declaration). OpenBLAS starts them when the library is loaded and each one polls with
/// `sched_yield` for about 2^28 cycles before it sleeps: a tenth of a CPU-second per worker
/// in every process, BLAS used or not. OpenBLAS starts them again when a threaded routine
/// next runs (`exec_blas_async` checks `blas_server_avail`).
int blas_thread_shutdown_(void);

static inline void journey_blas_release_threads(void) { (void)blas_thread_shutdown_(); }

/// Each wrapper returns LAPACK's `info` (0 on success).
static inline int journey_dgesv(int n, int nrhs, double *a, int lda, int *ipiv, double *b,
                                int ldb) {
  int info = 0;
  dgesv_(&n, &nrhs, a, &lda, ipiv, b, &ldb, &info);
  return info;
}

static inline int journey_dposv(char uplo, int n, int nrhs, double *a, int lda, double *b,
                                int ldb) {
  int info = 0;
  dposv_(&uplo, &n, &nrhs, a, &lda, b, &ldb, &info);
  return info;
}

static inline int journey_dpotrf(char uplo, int n, double *a, int lda) {
  int info = 0;
  dpotrf_(&uplo, &n, a, &lda, &info);
  return info;
}

static inline int journey_dpotrs(char uplo, int n, int nrhs, const double *a, int lda,
                                 double *b, int ldb) {
  int info = 0;
  dpotrs_(&uplo, &n, &nrhs, a, &lda, b, &ldb, &info);
  return info;
}

static inline int journey_dpotri(char uplo, int n, double *a, int lda) {
  int info = 0;
  dpotri_(&uplo, &n, a, &lda, &info);
  return info;
}

static inline int journey_dgetrf(int m, int n, double *a, int lda, int *ipiv) {
  int info = 0;
  dgetrf_(&m, &n, a, &lda, ipiv, &info);
  return info;
}

static inline int journey_dgetri(int n, double *a, int lda, const int *ipiv, double *work,
                                 int lwork) {
  int info = 0;
  dgetri_(&n, a, &lda, ipiv, work, &lwork, &info);
  return info;
}

#endif
