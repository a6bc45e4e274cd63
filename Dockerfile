# Image for the example app of docker-compose.yaml (and usable to run `monitor` itself).
FROM node:20-bookworm
WORKDIR /app
COPY . .
RUN npm ci && npm run build
ENTRYPOINT []
CMD ["node", "bin/monitor.js", "--help"]
