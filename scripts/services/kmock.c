/*
 * A Kafka cluster for tests: librdkafka's mock cluster, which speaks the real Kafka protocol on
 * loopback. It lacks CreateTopics/DeleteTopics, so topics are created here, from the command
 * line; others are created on first use with the default partition count.
 *
 *   kmock [--brokers N] [--partitions P] [--replication R] [--ignore-stdin] [topic[:partitions]]...
 *
 * Prints the bootstrap servers (host:port,...) as its first line of output, then stays up until
 * SIGTERM or SIGINT, or until its standard input ends (so a test that spawns it cannot leak it),
 * unless --ignore-stdin is given (a detached run has no input to watch).
 *
 * While up it reads fault-injection commands from standard input, one per line:
 *   down <broker>            the broker stops answering (connections are closed)
 *   up <broker>              the broker answers again
 *   rtt <broker> <ms>        adds latency to every response of the broker
 *   leader <topic> <partition> <broker>
 *   coordinator <group> <broker>   the broker that coordinates the consumer group from now on
 *   errors <api-key> <error-code>...
 *                            the next requests of that type (Kafka protocol numbers, e.g. 0 =
 *                            Produce) fail with these error codes, one per request, in order
 *                            (e.g. 6 NOT_LEADER_FOR_PARTITION, 7 REQUEST_TIMED_OUT; -195 drops
 *                            the connection)
 * Each command is answered with "ok" or "error: <reason>" on standard output.
 *
 * Build: gcc -O2 -o kmock kmock.c -lrdkafka
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static void usage(void) {
  fprintf(stderr,
          "usage: kmock [--brokers N] [--partitions P] [--replication R] [--ignore-stdin] "
          "[topic[:partitions]]...\n");
  exit(2);
}

static int positive(const char *text) {
  char *end;
  long value = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value < 1 || value > 100000) usage();
  return (int)value;
}

static void reply(const char *error) {
  if (error) printf("error: %s\n", error);
  else printf("ok\n");
  fflush(stdout);
}

/* "errors <api-key> <error-code>...": queues the error codes for the next requests of that type. */
static void push_errors(rd_kafka_mock_cluster_t *cluster, char *line) {
  rd_kafka_resp_err_t errors[64];
  size_t count = 0;
  int api_key, consumed;
  char *rest = line;
  if (sscanf(rest, "%*s %d%n", &api_key, &consumed) != 1 || api_key < 0 || api_key > 100) {
    reply("usage: errors <api-key> <error-code>...");
    return;
  }
  rest += consumed;
  int code;
  while (count < sizeof errors / sizeof errors[0] && sscanf(rest, "%d%n", &code, &consumed) == 1) {
    errors[count++] = (rd_kafka_resp_err_t)code;
    rest += consumed;
  }
  if (count == 0) {
    reply("usage: errors <api-key> <error-code>...");
    return;
  }
  rd_kafka_mock_push_request_errors_array(cluster, (int16_t)api_key, count, errors);
  reply(NULL);
}

static void run_command(rd_kafka_mock_cluster_t *cluster, char *line) {
  char verb[16], name[256];
  int a, b, c;
  rd_kafka_resp_err_t err;
  if (sscanf(line, "%15s", verb) != 1) return;
  if (strcmp(verb, "down") == 0 && sscanf(line, "%*s %d", &a) == 1)
    err = rd_kafka_mock_broker_set_down(cluster, a);
  else if (strcmp(verb, "up") == 0 && sscanf(line, "%*s %d", &a) == 1)
    err = rd_kafka_mock_broker_set_up(cluster, a);
  else if (strcmp(verb, "rtt") == 0 && sscanf(line, "%*s %d %d", &a, &b) == 2)
    err = rd_kafka_mock_broker_set_rtt(cluster, a, b);
  else if (strcmp(verb, "leader") == 0 && sscanf(line, "%*s %255s %d %d", name, &b, &c) == 3)
    err = rd_kafka_mock_partition_set_leader(cluster, name, b, c);
  else if (strcmp(verb, "coordinator") == 0 && sscanf(line, "%*s %255s %d", name, &a) == 2)
    err = rd_kafka_mock_coordinator_set(cluster, "group", name, a);
  else if (strcmp(verb, "errors") == 0) {
    push_errors(cluster, line);
    return;
  } else {
    reply("unknown command");
    return;
  }
  reply(err ? rd_kafka_err2str(err) : NULL);
}

int main(int argc, char **argv) {
  int brokers = 3, partitions = 4, replication = 3, watch_stdin = 1, first_topic = argc;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--brokers") == 0 && i + 1 < argc) brokers = positive(argv[++i]);
    else if (strcmp(argv[i], "--partitions") == 0 && i + 1 < argc) partitions = positive(argv[++i]);
    else if (strcmp(argv[i], "--replication") == 0 && i + 1 < argc) replication = positive(argv[++i]);
    else if (strcmp(argv[i], "--ignore-stdin") == 0) watch_stdin = 0;
    else if (strncmp(argv[i], "--", 2) == 0) usage();
    else {
      first_topic = i;
      break;
    }
  }
  if (replication > brokers) replication = brokers;

  /* Block the stop signals before librdkafka starts its threads, so only signalfd sees them. */
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigprocmask(SIG_BLOCK, &stop_signals, NULL);
  int sigfd = signalfd(-1, &stop_signals, SFD_CLOEXEC);
  if (sigfd < 0) {
    perror("signalfd");
    return 1;
  }

  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* The handle only hosts the cluster; it connects nowhere, so its warnings are noise. */
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "kmock: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(rk, brokers);
  if (!cluster) {
    fprintf(stderr, "kmock: could not create the mock cluster\n");
    return 1;
  }

  for (int i = first_topic; i < argc; i++) {
    char *name = argv[i];
    char *colon = strrchr(name, ':');
    int count = partitions;
    if (colon) {
      *colon = '\0';
      count = positive(colon + 1);
    }
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster, name, count, replication);
    if (err) {
      fprintf(stderr, "kmock: topic %s: %s\n", name, rd_kafka_err2str(err));
      return 1;
    }
  }

  printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  fflush(stdout);

  struct pollfd fds[2] = {{.fd = sigfd, .events = POLLIN}, {.fd = STDIN_FILENO, .events = POLLIN}};
  char line[512];
  size_t used = 0;
  for (;;) {
    if (poll(fds, watch_stdin ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      perror("poll");
      break;
    }
    if (fds[0].revents) break;
    if (watch_stdin && fds[1].revents) {
      ssize_t n = read(STDIN_FILENO, line + used, sizeof line - 1 - used);
      if (n <= 0) break;
      used += (size_t)n;
      line[used] = '\0';
      char *start = line, *newline;
      while ((newline = strchr(start, '\n'))) {
        *newline = '\0';
        run_command(cluster, start);
        start = newline + 1;
      }
      used = strlen(start);
      memmove(line, start, used + 1);
      if (used == sizeof line - 1) used = 0; /* an over-long line is dropped */
    }
  }

  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
  return 0;
}
