# syntax=docker/dockerfile:1
#
# Baton's worker and gateway. Build from the repository root:
#
#   docker build -f deploy/docker/worker.Dockerfile -t baton-worker .
#
# The binary embeds the time zone database (cmd/worker imports time/tzdata),
# so the distroless base needs none; its CA bundle serves Slack, Opsgenie,
# Twilio, Jira and Temporal Cloud.

FROM golang:1.26 AS build
WORKDIR /src
COPY . .
# Only the worker's own dependencies are fetched (not the Temporal server
# that the dev stack embeds); the cache mounts keep modules and the build
# cache between builds.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -ldflags="-s -w" -o /out/baton-worker ./cmd/worker

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/baton-worker /usr/local/bin/baton-worker
# Listen on every interface inside the container (the binary's default,
# 127.0.0.1:8080, would be unreachable from outside it). The team file is
# mounted here by the compose file and the Helm chart.
ENV BATON_HTTP_ADDR=0.0.0.0:8080 \
    BATON_TEAMS_FILE=/etc/baton/teams.yaml
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/baton-worker"]
