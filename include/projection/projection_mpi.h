/*
 * projection_mpi.h — all-reduce of projection_partials over MPI (header only).
 *
 * The library itself does not depend on MPI: everything here is `static inline`, built
 * into the program that includes it, against that program's MPI. Compiles as C99 and
 * as C++. It includes <mpi.h>; build with your MPI (mpicc, or CMake's MPI::MPI_C) and
 * link the library as usual. (In C++, Open MPI's <mpi.h> also pulls in its deprecated C++
 * bindings, which warn under -Wextra; define OMPI_SKIP_MPICXX to leave them out.)
 *
 * Usage, on every rank of `comm` (each holding the shard [offset, offset + n)):
 *
 *   projection_partials p;
 *   projection_partials_init(&p);
 *   projection_partials_add_f32(&p, a, b, n, offset);           // one call per local part
 *   int rc = projection_mpi_allreduce(&p, MPI_COMM_WORLD);      // collective, in place
 *   if (rc != PROJECTION_OK) { ... }                            // the same rc on every rank
 *   projection_partials_alphaless_gradient_f32(&p, a, b, n, out);  // this rank's shard
 *
 * What every rank gets
 * --------------------
 *  - After the call `p` holds the merge of every rank's partials, the same bytes on every
 *    rank (the merge is exact, so the reduction tree MPI picks does not matter). With
 *    offsets that are multiples of PROJECTION_BLOCK every result is bitwise the single
 *    call's on the whole vector, for any number of ranks.
 *  - NaN or Inf in any rank's shard travels as a flag in the merged partials: the call
 *    returns PROJECTION_ERR_NONFINITE on every rank, and every finishing call on every
 *    rank returns it too and writes nothing.
 *  - A rank whose partials is not valid (never initialized, another layout version,
 *    bytes corrupted on the way) or NULL cannot stop the collective: it still takes part,
 *    and every merge that meets an invalid struct yields an invalid one (all zero bytes,
 *    which the library never accepts). The call returns PROJECTION_ERR_PARTIALS on every
 *    rank (PROJECTION_ERR_NULL on a rank that passed NULL), and every finishing call on
 *    every rank returns PROJECTION_ERR_PARTIALS and writes nothing. Nothing crashes.
 *
 * Return value of projection_mpi_allreduce (an int, the same on every rank):
 *    PROJECTION_OK (0)          merged; the finishing calls will succeed
 *    PROJECTION_ERR_NONFINITE   merged; some shard held NaN/Inf (finishing calls refuse)
 *    PROJECTION_ERR_PARTIALS    some rank's partials was not valid; `p` is not valid
 *    PROJECTION_ERR_NULL        `p` is NULL on this rank (it took part with an invalid
 *                               struct, so the other ranks get PROJECTION_ERR_PARTIALS)
 *    a negative value           -(MPI error code) of a failing MPI call; only seen when the
 *                               communicator's error handler is MPI_ERRORS_RETURN (the
 *                               default, MPI_ERRORS_ARE_FATAL, aborts). `p` is then
 *                               unspecified.
 *  The positive values are projection_status codes (projection_status_string names them).
 *
 * The MPI datatype and operation
 * ------------------------------
 *  projection_mpi_datatype() is MPI_BYTE x PROJECTION_PARTIALS_SIZE, contiguous, committed;
 *  projection_mpi_op() is the commutative user operation that merges partials of that
 *  datatype (any count). Use them for arrays of partials or other collectives:
 *
 *    MPI_Allreduce(MPI_IN_PLACE, parts, count, projection_mpi_datatype(), projection_mpi_op(), comm);
 *    MPI_Iallreduce(...), MPI_Reduce(... root ...)      // then check with a finishing call
 *
 *  Both are created at the first call (in each translation unit that includes this
 *  header), cached, and freed at MPI_Finalize (through an attribute on MPI_COMM_SELF), so
 *  calling them per step costs nothing. Call them only between MPI_Init and MPI_Finalize.
 *  With MPI_THREAD_MULTIPLE, make the first call from one thread before others use them
 *  (the cache is not locked). If creating them fails, both return the null handles
 *  (MPI_DATATYPE_NULL, MPI_OP_NULL) and projection_mpi_allreduce returns a negative value.
 *
 *  Partials are native-endian bytes: all ranks must share one byte order (see projection.h).
 */
#ifndef PROJECTION_PROJECTION_MPI_H
#define PROJECTION_PROJECTION_MPI_H

#include <mpi.h>
#include <string.h>

#include "projection.h"

#ifdef __cplusplus
extern "C" {
#endif

/* -------------------------------------------------------------- internals */

/* The cached handles of this translation unit. */
typedef struct projection_mpi_handles_ {
  MPI_Datatype type;
  MPI_Op op;
  int ready;
} projection_mpi_handles_;

static inline projection_mpi_handles_ *projection_mpi_handles_cache_(void) {
  static projection_mpi_handles_ h = {MPI_DATATYPE_NULL, MPI_OP_NULL, 0};
  return &h;
}

/* The user operation: inout[i] = merge(inout[i], in[i]); an invalid operand on either
 * side gives the invalid marker (all zero bytes), so invalidity absorbs everything
 * after it and every rank ends with the same bytes. */
static inline void projection_mpi_merge_fn_(void *in, void *inout, int *len, MPI_Datatype *type) {
  projection_partials *into = (projection_partials *)inout;
  const projection_partials *from = (const projection_partials *)in;
  int i;
  (void)type;
  for (i = 0; i < *len; ++i) {
    projection_partials from_copy; /* MPI buffers need not be aligned for uint64_t */
    projection_partials into_copy;
    memcpy(&from_copy, from + i, sizeof from_copy);
    memcpy(&into_copy, into + i, sizeof into_copy);
    if (projection_partials_merge(&into_copy, &from_copy) != PROJECTION_OK)
      memset(&into_copy, 0, sizeof into_copy);
    memcpy(into + i, &into_copy, sizeof into_copy);
  }
}

static inline int projection_mpi_free_fn_(MPI_Comm comm, int keyval, void *value, void *extra) {
  projection_mpi_handles_ *h = projection_mpi_handles_cache_();
  (void)comm; (void)keyval; (void)value; (void)extra;
  if (h->ready) {
    MPI_Op_free(&h->op);
    MPI_Type_free(&h->type);
    h->op = MPI_OP_NULL;
    h->type = MPI_DATATYPE_NULL;
    h->ready = 0;
  }
  return MPI_SUCCESS;
}

/* Creates the handles once; MPI_SUCCESS or the error of the MPI call that failed. */
static inline int projection_mpi_setup_(void) {
  projection_mpi_handles_ *h = projection_mpi_handles_cache_();
  MPI_Datatype type = MPI_DATATYPE_NULL;
  MPI_Op op = MPI_OP_NULL;
  int keyval = MPI_KEYVAL_INVALID, rc;
  if (h->ready) return MPI_SUCCESS;
  rc = MPI_Type_contiguous(PROJECTION_PARTIALS_SIZE, MPI_BYTE, &type);
  if (rc == MPI_SUCCESS) rc = MPI_Type_commit(&type);
  if (rc == MPI_SUCCESS) rc = MPI_Op_create(&projection_mpi_merge_fn_, 1 /* commutative */, &op);
  if (rc != MPI_SUCCESS) {
    if (op != MPI_OP_NULL) MPI_Op_free(&op);
    if (type != MPI_DATATYPE_NULL) MPI_Type_free(&type);
    return rc;
  }
  h->type = type;
  h->op = op;
  h->ready = 1;
  /* Free both at MPI_Finalize, which deletes MPI_COMM_SELF's attributes first. If this
   * fails they are only left to MPI_Finalize's own clean-up. */
  if (MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, &projection_mpi_free_fn_, &keyval, NULL) ==
      MPI_SUCCESS) {
    MPI_Comm_set_attr(MPI_COMM_SELF, keyval, NULL);
    MPI_Comm_free_keyval(&keyval); /* the attribute keeps it alive until then */
  }
  return MPI_SUCCESS;
}

/* ------------------------------------------------------------------- API */

/*! The MPI datatype of one projection_partials: PROJECTION_PARTIALS_SIZE contiguous
 *  MPI_BYTEs, committed, cached (MPI_DATATYPE_NULL if it could not be created). */
static inline MPI_Datatype projection_mpi_datatype(void) {
  return projection_mpi_setup_() == MPI_SUCCESS ? projection_mpi_handles_cache_()->type
                                                : MPI_DATATYPE_NULL;
}

/*! The commutative MPI operation that merges partials of projection_mpi_datatype()
 *  (projection_partials_merge; an invalid operand gives an invalid result), cached
 *  (MPI_OP_NULL if it could not be created). */
static inline MPI_Op projection_mpi_op(void) {
  return projection_mpi_setup_() == MPI_SUCCESS ? projection_mpi_handles_cache_()->op
                                                : MPI_OP_NULL;
}

/*! All-reduces `p` in place over `comm` (collective: every rank of `comm` calls it).
 *  @return the same value on every rank: PROJECTION_OK, PROJECTION_ERR_NONFINITE or
 *          PROJECTION_ERR_PARTIALS, as every finishing call on the result will return;
 *          PROJECTION_ERR_NULL on a rank whose `p` is NULL; -(MPI error code) if an MPI
 *          call failed (see the top of this header). */
static inline int projection_mpi_allreduce(projection_partials *p, MPI_Comm comm) {
  projection_partials invalid, *buf = p;
  int rc = projection_mpi_setup_();
  if (rc != MPI_SUCCESS) return rc > 0 ? -rc : -1;
  if (!p) { /* take part anyway, so that no other rank waits forever */
    memset(&invalid, 0, sizeof invalid);
    buf = &invalid;
  }
  rc = MPI_Allreduce(MPI_IN_PLACE, buf, 1, projection_mpi_handles_cache_()->type,
                     projection_mpi_handles_cache_()->op, comm);
  if (rc != MPI_SUCCESS) return rc > 0 ? -rc : -1;
  if (!p) return PROJECTION_ERR_NULL;
  /* A vector operation on n = 0 elements validates the struct and writes nothing: it
   * returns exactly what every finishing call will (and on one rank, where MPI calls no
   * operation, it is what catches an invalid struct). */
  return (int)projection_partials_vector_projection_f64(p, NULL, NULL, 0, NULL);
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PROJECTION_PROJECTION_MPI_H */
