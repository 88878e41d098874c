# syntax=docker/dockerfile:1
#
# Baton's CLI (setup, schedules, handovers, incidents, summaries). Build from
# the repository root:
#
#   docker build -f deploy/docker/starter.Dockerfile -t baton-starter .
#   docker run --rm -e TEMPORAL_ADDRESS=temporal:7233 baton-starter setup
#
# The binary embeds the time zone database (starter imports time/tzdata).

FROM golang:1.26 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -ldflags="-s -w" -o /out/baton-starter ./starter

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/baton-starter /usr/local/bin/baton-starter
ENV BATON_TEAMS_FILE=/etc/baton/teams.yaml
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/baton-starter"]
CMD ["--help"]
