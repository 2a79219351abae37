/* ThreadSanitizer sees threads and locks through the pthread calls it intercepts. Debian's
 * librdkafka uses C11 threads (thrd_create, mtx_lock, cnd_timedwait…), which glibc runs on
 * pthreads internally, out of TSan's sight: its threads then crash inside the callbacks they
 * make into instrumented code, and its locking is invisible. Preloaded into a TSan test
 * process (scripts/check-extra.sh), this library gives librdkafka C11 threads made of the
 * pthread calls TSan intercepts. glibc's thrd_t, mtx_t and cnd_t are pthread_t,
 * pthread_mutex_t and pthread_cond_t underneath. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>
#include <time.h>

_Static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t), "mtx_t is a pthread mutex");
_Static_assert(sizeof(cnd_t) == sizeof(pthread_cond_t), "cnd_t is a pthread condition");
_Static_assert(sizeof(thrd_t) == sizeof(pthread_t), "thrd_t is a pthread_t");

static int result(int error) {
    switch (error) {
        case 0: return thrd_success;
        case ETIMEDOUT: return thrd_timedout;
        case EBUSY: return thrd_busy;
        case ENOMEM: return thrd_nomem;
        default: return thrd_error;
    }
}

struct start {
    thrd_start_t function;
    void* argument;
};

static void* trampoline(void* raw) {
    struct start start = *(struct start*)raw;
    free(raw);
    return (void*)(intptr_t)start.function(start.argument);
}

int thrd_create(thrd_t* thread, thrd_start_t function, void* argument) {
    struct start* start = malloc(sizeof *start);
    if (start == NULL) return thrd_nomem;
    start->function = function;
    start->argument = argument;
    int error = pthread_create((pthread_t*)thread, NULL, trampoline, start);
    if (error != 0) free(start);
    return result(error);
}

int thrd_join(thrd_t thread, int* code) {
    void* value = NULL;
    int error = pthread_join((pthread_t)thread, &value);
    if (error == 0 && code != NULL) *code = (int)(intptr_t)value;
    return result(error);
}

int thrd_detach(thrd_t thread) { return result(pthread_detach((pthread_t)thread)); }

int mtx_init(mtx_t* mutex, int type) {
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    if (type & mtx_recursive) pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
    int error = pthread_mutex_init((pthread_mutex_t*)mutex, &attributes);
    pthread_mutexattr_destroy(&attributes);
    return result(error);
}
void mtx_destroy(mtx_t* mutex) { pthread_mutex_destroy((pthread_mutex_t*)mutex); }
int mtx_lock(mtx_t* mutex) { return result(pthread_mutex_lock((pthread_mutex_t*)mutex)); }
int mtx_trylock(mtx_t* mutex) { return result(pthread_mutex_trylock((pthread_mutex_t*)mutex)); }
int mtx_unlock(mtx_t* mutex) { return result(pthread_mutex_unlock((pthread_mutex_t*)mutex)); }
int mtx_timedlock(mtx_t* mutex, const struct timespec* deadline) {
    return result(pthread_mutex_timedlock((pthread_mutex_t*)mutex, deadline));
}

int cnd_init(cnd_t* condition) { return result(pthread_cond_init((pthread_cond_t*)condition, NULL)); }
void cnd_destroy(cnd_t* condition) { pthread_cond_destroy((pthread_cond_t*)condition); }
int cnd_signal(cnd_t* condition) { return result(pthread_cond_signal((pthread_cond_t*)condition)); }
int cnd_broadcast(cnd_t* condition) { return result(pthread_cond_broadcast((pthread_cond_t*)condition)); }
int cnd_wait(cnd_t* condition, mtx_t* mutex) {
    return result(pthread_cond_wait((pthread_cond_t*)condition, (pthread_mutex_t*)mutex));
}
int cnd_timedwait(cnd_t* condition, mtx_t* mutex, const struct timespec* deadline) {
    return result(pthread_cond_timedwait((pthread_cond_t*)condition, (pthread_mutex_t*)mutex, deadline));
}

_Static_assert(sizeof(once_flag) == sizeof(pthread_once_t), "once_flag is a pthread_once_t");
void call_once(once_flag* flag, void (*function)(void)) { pthread_once((pthread_once_t*)flag, function); }
