// The shared thread pool (see thread_pool.h). One job at a time: the caller publishes a job,
// wakes the workers, takes tasks itself from an atomic counter, then waits until every worker
// has finished with it. Workers spin briefly before sleeping, since kernels come in quick
// succession while a plan runs.
#include "thread_pool.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SCALIFY_PAUSE() _mm_pause()
#else
#define SCALIFY_PAUSE() ((void)0)
#endif

namespace scalify {

namespace {
thread_local bool in_job = false;
}

int configured_num_threads() {
  static const int n = [] {
    const char* s = std::getenv("SCALIFY_NUM_THREADS");
    if (s != nullptr && *s != '\0') {
      char* end = nullptr;
      long v = std::strtol(s, &end, 10);
      if (end != nullptr && *end == '\0' && v >= 1 && v <= 1024) return static_cast<int>(v);
    }
    unsigned hc = std::thread::hardware_concurrency();
    return hc == 0 ? 1 : static_cast<int>(hc);
  }();
  return n;
}

struct ThreadPool::Impl {
  std::vector<std::thread> workers;
  std::mutex mu;
  std::condition_variable wake;
  std::condition_variable done_cv;
  // The current job: generation counts published jobs; workers run each generation once.
  std::atomic<uint64_t> generation{0};
  std::atomic<uint64_t> nudges{0};  // wake() calls: sleeping workers go back to spinning
  const std::function<void(int64_t)>* task_fn = nullptr;
  int64_t n_tasks = 0;
  std::atomic<int64_t> next{0};
  std::atomic<int> active{0};  // workers still inside the current job
  bool stop = false;
  std::mutex job_mu;  // one job at a time (a second JS thread using the addon runs its work inline)

  std::mutex error_mu;
  std::exception_ptr error;  // the first exception a task threw (rethrown by the caller)

  void work() {
    const std::function<void(int64_t)>& fn = *task_fn;
    for (;;) {
      int64_t t = next.fetch_add(1, std::memory_order_relaxed);
      if (t >= n_tasks) break;
      try {
        fn(t);
      } catch (...) {
        // A task must not take the process down (e.g. bad_alloc on a worker): keep the first
        // exception, skip the remaining tasks, and let the caller rethrow it.
        std::lock_guard<std::mutex> lk(error_mu);
        if (!error) error = std::current_exception();
        next.store(n_tasks, std::memory_order_relaxed);
      }
    }
  }

  void worker_main() {
    in_job = true;  // a worker never starts nested jobs
    uint64_t seen = 0;
    for (;;) {
      // Spin a little for the next job, then sleep.
      bool got = false;
      for (int i = 0; i < 4000; i++) {
        if (generation.load(std::memory_order_acquire) != seen) {
          got = true;
          break;
        }
        SCALIFY_PAUSE();
      }
      if (!got) {
        std::unique_lock<std::mutex> lk(mu);
        const uint64_t nudged = nudges.load(std::memory_order_relaxed);
        wake.wait(lk, [&] { return stop || generation.load(std::memory_order_acquire) != seen || nudges.load(std::memory_order_relaxed) != nudged; });
        if (stop) return;
        if (generation.load(std::memory_order_acquire) == seen) continue;  // woken by wake(): spin again
      }
      seen = generation.load(std::memory_order_acquire);
      work();
      if (active.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lk(mu);
        done_cv.notify_all();
      }
    }
  }
};

ThreadPool& ThreadPool::instance() {
  static ThreadPool* pool = new ThreadPool(configured_num_threads());  // never destroyed: workers may outlive statics
  return *pool;
}

ThreadPool::ThreadPool(int n) : impl_(new Impl), num_threads_(n < 1 ? 1 : n) {
  for (int i = 1; i < num_threads_; i++) impl_->workers.emplace_back([this] { impl_->worker_main(); });
  for (auto& w : impl_->workers) w.detach();
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lk(impl_->mu);
    impl_->stop = true;
  }
  impl_->wake.notify_all();
}

void ThreadPool::wake() {
  if (num_threads_ == 1) return;
  {
    std::lock_guard<std::mutex> lk(impl_->mu);
    impl_->nudges.fetch_add(1, std::memory_order_relaxed);
  }
  impl_->wake.notify_all();
}

void ThreadPool::run_tasks(int64_t n_tasks, const std::function<void(int64_t)>& fn) {
  if (n_tasks <= 0) return;
  Impl& s = *impl_;
  std::unique_lock<std::mutex> job(s.job_mu, std::defer_lock);
  if (n_tasks == 1 || num_threads_ == 1 || in_job || !job.try_lock()) {
    for (int64_t t = 0; t < n_tasks; t++) fn(t);
    return;
  }
  {
    std::lock_guard<std::mutex> lk(s.mu);
    s.task_fn = &fn;
    s.n_tasks = n_tasks;
    s.next.store(0, std::memory_order_relaxed);
    s.active.store(static_cast<int>(s.workers.size()), std::memory_order_relaxed);
    s.error = nullptr;
    s.generation.fetch_add(1, std::memory_order_release);
  }
  s.wake.notify_all();
  in_job = true;
  s.work();
  in_job = false;
  // Wait for the workers to leave the job (spin first: they are usually about to finish).
  for (int i = 0; i < 20000 && s.active.load(std::memory_order_acquire) != 0; i++) SCALIFY_PAUSE();
  if (s.active.load(std::memory_order_acquire) != 0) {
    std::unique_lock<std::mutex> lk(s.mu);
    s.done_cv.wait(lk, [&] { return s.active.load(std::memory_order_acquire) == 0; });
  }
  if (s.error) {
    std::exception_ptr e = s.error;
    s.error = nullptr;
    std::rethrow_exception(e);
  }
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  if (n <= grain || num_threads_ == 1 || in_job) {
    fn(0, n);
    return;
  }
  // A few chunks per thread balance uneven work without much overhead.
  int64_t max_chunks = static_cast<int64_t>(num_threads_) * 4;
  int64_t chunks = (n + grain - 1) / grain;
  if (chunks > max_chunks) chunks = max_chunks;
  int64_t step = (n + chunks - 1) / chunks;
  chunks = (n + step - 1) / step;
  run_tasks(chunks, [&](int64_t c) {
    int64_t b = c * step;
    int64_t e = b + step < n ? b + step : n;
    fn(b, e);
  });
}

}  // namespace scalify
