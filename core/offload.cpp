#include "core/offload.hpp"

#include <ev.h>

#include "core/event_loop.hpp"
#include "core/log.hpp"

namespace lvsd::core {

namespace {

// Runs the job, keeping any exception inside the worker thread.
Offload::Continuation run_job(const Offload::Job& job) {
  Offload::Continuation next;
  guarded("worker job", [&] { next = job(); });
  return next;
}

}  // namespace

struct WorkerThread::Wakeup {
  struct ev_loop* loop;
  ev_async w{};
};

WorkerThread::WorkerThread(EventLoop& loop) : wakeup_(std::make_unique<Wakeup>()) {
  wakeup_->loop = loop.raw();
  ev_async_init(&wakeup_->w, [](struct ev_loop*, ev_async* w, int) {
    static_cast<WorkerThread*>(w->data)->deliver();
  });
  wakeup_->w.data = this;
  ev_async_start(wakeup_->loop, &wakeup_->w);
  // The async watcher must not keep loop.run() going on its own.
  ev_unref(wakeup_->loop);
  thread_ = std::thread([this] { run(); });
}

WorkerThread::~WorkerThread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    jobs_.clear();
  }
  wake_.notify_one();
  thread_.join();
  ev_ref(wakeup_->loop);
  ev_async_stop(wakeup_->loop, &wakeup_->w);
}

void WorkerThread::post(Job job) {
  ++in_flight_;
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void WorkerThread::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    Continuation next = run_job(job);
    {
      std::lock_guard lock(mutex_);
      done_.push_back(std::move(next));
    }
    ev_async_send(wakeup_->loop, &wakeup_->w);
  }
}

void WorkerThread::deliver() {
  std::deque<Continuation> ready;
  {
    std::lock_guard lock(mutex_);
    ready.swap(done_);
  }
  for (auto& next : ready) {
    --in_flight_;
    if (next) guarded("worker continuation", next);
  }
}

bool ManualOffload::run_next() {
  if (jobs_.empty()) return false;
  Job job = std::move(jobs_.front());
  jobs_.pop_front();
  Continuation next = run_job(job);
  if (next) guarded("worker continuation", next);
  return true;
}

std::size_t ManualOffload::run_all() {
  std::size_t n = 0;
  while (run_next()) ++n;
  return n;
}

}  // namespace lvsd::core
