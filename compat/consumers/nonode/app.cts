// The CommonJS counterpart of app.mts: no Node types (`types: []`).
/* eslint-disable @typescript-eslint/no-require-imports -- the CommonJS-only import form is the point */
import otelXray = require('otel-xray');
import validate = require('otel-xray/validate');

const exporter = new otelXray.AWSXRaySpanExporter({ indexedAttributes: ['tenant'] });
const stats: otelXray.ExporterStats = exporter.getStats();
const docs: otelXray.XRayDocument[] = otelXray.toSegmentDocuments([]);
const verdict: validate.DatagramVerdict = validate.checkDaemonDatagram(new Uint8Array(0));

export = [stats.spansSent, docs, verdict.accepted, otelXray.setupXRay];
