#include <ares.h>
/* The upstream channel watches its per-query sockets with an epoll set of its own. */
#include <sys/epoll.h>
