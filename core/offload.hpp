#pragma once
// Work that must not run on the loop that sends VRRP adverts: a whole-table
// netlink dump, reading and parsing a configuration file. A job runs off the
// loop and returns a continuation, which runs back on the loop with the
// job's result (captured by value). Jobs run one at a time, in the order
// posted, so a later job sees what an earlier one did.
//
// WorkerThread is the production Offload (one thread, results handed back
// through an ev_async watcher). ManualOffload is for tests: nothing runs
// until the test says so, which lets a test hold a reload "in flight" while
// it sends the daemon more requests.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace lvsd::core {

class EventLoop;

class Offload {
 public:
  using Continuation = std::function<void()>;
  using Job = std::function<Continuation()>;
  virtual ~Offload() = default;
  // `job` runs off the loop; the continuation it returns (may be empty) runs
  // on the loop. An exception in either is logged and counted, never fatal.
  virtual void post(Job job) = 0;
  // Jobs posted whose continuation has not run yet.
  virtual std::size_t in_flight() const = 0;
};

class WorkerThread final : public Offload {
 public:
  explicit WorkerThread(EventLoop& loop);
  // Finishes the job that is running (a queued one is dropped with its
  // continuation) and joins the thread.
  ~WorkerThread() override;
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  void post(Job job) override;
  std::size_t in_flight() const override { return in_flight_; }

 private:
  struct Wakeup;
  void run();
  void deliver();  // on the loop: runs finished continuations

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  std::deque<Continuation> done_;
  bool stopping_ = false;
  std::size_t in_flight_ = 0;  // loop side only
  std::unique_ptr<Wakeup> wakeup_;
  std::thread thread_;
};

// Tests: post() only queues. run_next() runs the oldest job and its
// continuation (as if the worker finished it); run_all() until none is left.
class ManualOffload final : public Offload {
 public:
  void post(Job job) override { jobs_.push_back(std::move(job)); }
  std::size_t in_flight() const override { return jobs_.size(); }
  bool run_next();
  std::size_t run_all();

 private:
  std::deque<Job> jobs_;
};

}  // namespace lvsd::core
