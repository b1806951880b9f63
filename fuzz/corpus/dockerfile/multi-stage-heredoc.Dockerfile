# syntax=docker/dockerfile:1
# escape=\
ARG GO=1.22
FROM --platform=$BUILDPLATFORM golang:${GO} AS build
ENV CGO_ENABLED=0 \
    GOFLAGS="-trimpath"
WORKDIR /src
COPY --link go.mod go.sum ./
RUN --mount=type=cache,target=/root/.cache/go-build <<EOF
set -e
go build -o /out/app ./cmd/app
EOF
COPY <<-"EOT" /etc/app.conf
	mode=${MODE:-prod}
	EOT

FROM gcr.io/distroless/static-debian12
ARG VERSION=1.0
LABEL version=$VERSION
COPY --from=build /out/app /app
USER nonroot
ENTRYPOINT ["/app"]
