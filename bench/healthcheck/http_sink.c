/* The real servers of the health-check benchmark: ONE process listening on
 * ports FIRST..FIRST+N-1 of ADDRESS, answering every request with a fixed
 * "200 OK" page and closing. One process for thousands of real servers, so
 * the servers cost the same whichever checker runs, and cost little.
 *
 * usage: http_sink ADDRESS FIRST N STATE_DIR
 *   Every second it writes STATE_DIR/answered (requests answered so far).
 *   SIGUSR1 closes the listener of port FIRST (the "victim" server dies: new
 *   connections are refused) and writes STATE_DIR/victim_down with the
 *   CLOCK_MONOTONIC time of the close; SIGUSR2 opens it again and writes
 *   STATE_DIR/victim_up.
 *
 * Built by bench/healthcheck/run.sh with cc -O2; not part of lvsd.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char kResponse[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";

static struct sockaddr_in address;
static const char* state_dir;

static double monotonic_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_state(const char* name, const char* fmt, double value) {
  char path[4096], tmp[4200];
  snprintf(path, sizeof path, "%s/%s", state_dir, name);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE* f = fopen(tmp, "w");
  if (!f) return;
  fprintf(f, fmt, value);
  fclose(f);
  rename(tmp, path);
}

static int listen_on(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = address;
  a.sin_port = htons((unsigned short)port);
  if (bind(fd, (struct sockaddr*)&a, sizeof a) != 0 || listen(fd, 4096) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* epoll data: listener fds are tagged with the high bit clear, connections set. */
#define CONN_TAG (1ull << 40)

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s ADDRESS FIRST_PORT COUNT STATE_DIR\n", argv[0]);
    return 2;
  }
  address.sin_family = AF_INET;
  if (inet_pton(AF_INET, argv[1], &address.sin_addr) != 1) return 2;
  int first = atoi(argv[2]), count = atoi(argv[3]);
  state_dir = argv[4];

  int ep = epoll_create1(EPOLL_CLOEXEC);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGUSR1);
  sigaddset(&signals, SIGUSR2);
  sigprocmask(SIG_BLOCK, &signals, NULL);
  int sfd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (unsigned long long)sfd};
  epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);

  int victim = -1;
  for (int i = 0; i < count; ++i) {
    int fd = listen_on(first + i);
    if (fd < 0) {
      fprintf(stderr, "http_sink: cannot listen on port %d: %s\n", first + i, strerror(errno));
      return 1;
    }
    if (i == 0) victim = fd;
    ev.events = EPOLLIN;
    ev.data.u64 = (unsigned long long)fd;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }

  unsigned long long answered = 0;
  double next_report = monotonic_now();
  struct epoll_event events[256];
  char buf[4096];
  for (;;) {
    double now = monotonic_now();
    if (now >= next_report) {
      write_state("answered", "%.0f\n", (double)answered);
      next_report = now + 1.0;
    }
    int n = epoll_wait(ep, events, 256, (int)((next_report - now) * 1000) + 1);
    for (int i = 0; i < n; ++i) {
      unsigned long long data = events[i].data.u64;
      int fd = (int)(data & 0xffffffffu);
      if (data & CONN_TAG) {
        /* A request: answer once anything arrived (the checkers send the whole
         * GET in one segment), then close. */
        ssize_t got = read(fd, buf, sizeof buf);
        if (got > 0) {
          if (write(fd, kResponse, sizeof kResponse - 1) > 0) ++answered;
        }
        close(fd);
      } else if (fd == sfd) {
        struct signalfd_siginfo info;
        while (read(sfd, &info, sizeof info) == (ssize_t)sizeof info) {
          if (info.ssi_signo == SIGUSR1 && victim >= 0) {
            close(victim);
            victim = -1;
            write_state("victim_down", "%.6f\n", monotonic_now());
          } else if (info.ssi_signo == SIGUSR2 && victim < 0) {
            victim = listen_on(first);
            ev.events = EPOLLIN;
            ev.data.u64 = (unsigned long long)victim;
            epoll_ctl(ep, EPOLL_CTL_ADD, victim, &ev);
            write_state("victim_up", "%.6f\n", monotonic_now());
          }
        }
      } else {
        for (;;) {
          int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          ev.events = EPOLLIN | EPOLLRDHUP;
          ev.data.u64 = CONN_TAG | (unsigned long long)c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
        }
      }
    }
  }
}
