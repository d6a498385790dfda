#include "workers.h"

#include <pthread.h>
#include <stdlib.h>

struct job {
	struct job *next;
	worker_job_fn *run;
	void *context;
};

struct workers {
	pthread_mutex_t lock;
	pthread_cond_t queued;
	struct job *first, *last; /* the queue */
	size_t busy;		  /* queued or running */
	bool stopping;
	unsigned count;
	pthread_t threads[];
};

/* Takes the next job, waiting for one; NULL once stopping and the queue is empty. */
static struct job *next_job(struct workers *workers)
{
	pthread_mutex_lock(&workers->lock);
	while (!workers->first && !workers->stopping)
		pthread_cond_wait(&workers->queued, &workers->lock);
	struct job *job = workers->first;
	if (job) {
		workers->first = job->next;
		if (!workers->first)
			workers->last = NULL;
	}
	pthread_mutex_unlock(&workers->lock);
	return job;
}

static void *work(void *context)
{
	struct workers *workers = context;
	struct job *job;
	while ((job = next_job(workers))) {
		job->run(job->context);
		free(job);
		pthread_mutex_lock(&workers->lock);
		workers->busy--;
		pthread_mutex_unlock(&workers->lock);
	}
	return NULL;
}

/* Stops the first started threads, joins them and frees workers. */
static void stop_threads(struct workers *workers, unsigned started)
{
	pthread_mutex_lock(&workers->lock);
	workers->stopping = true;
	pthread_cond_broadcast(&workers->queued);
	pthread_mutex_unlock(&workers->lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(workers->threads[i], NULL);
	pthread_cond_destroy(&workers->queued);
	pthread_mutex_destroy(&workers->lock);
	free(workers);
}

struct workers *workers_start(unsigned count)
{
	struct workers *workers = calloc(1, sizeof *workers + count * sizeof(pthread_t));
	if (!workers)
		return NULL;
	workers->count = count;
	if (pthread_mutex_init(&workers->lock, NULL) != 0) {
		free(workers);
		return NULL;
	}
	if (pthread_cond_init(&workers->queued, NULL) != 0) {
		pthread_mutex_destroy(&workers->lock);
		free(workers);
		return NULL;
	}
	for (unsigned i = 0; i < count; i++) {
		if (pthread_create(&workers->threads[i], NULL, work, workers) != 0) {
			stop_threads(workers, i);
			return NULL;
		}
	}
	return workers;
}

bool workers_submit(struct workers *workers, worker_job_fn *run, void *context)
{
	struct job *job = malloc(sizeof *job);
	if (!job)
		return false;
	*job = (struct job){.run = run, .context = context};
	pthread_mutex_lock(&workers->lock);
	if (workers->last)
		workers->last->next = job;
	else
		workers->first = job;
	workers->last = job;
	workers->busy++;
	pthread_mutex_unlock(&workers->lock);
	/* After the unlock: a worker woken while the lock is still held would wake only to
	 * sleep again on the lock, two more system calls for every request. */
	pthread_cond_signal(&workers->queued);
	return true;
}

size_t workers_busy(struct workers *workers)
{
	pthread_mutex_lock(&workers->lock);
	size_t busy = workers->busy;
	pthread_mutex_unlock(&workers->lock);
	return busy;
}

void workers_stop(struct workers *workers)
{
	if (workers)
		stop_threads(workers, workers->count);
}
