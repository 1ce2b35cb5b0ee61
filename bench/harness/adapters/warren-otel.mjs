// Adapter: warren instrumented by warren/otel with the OpenTelemetry SDK: every publish,
// delivery and ack makes a span (sampled, ended, handed to a span processor that drops it) and
// records the messaging metrics; W3C trace context is injected into and extracted from headers.
// The cost of full tracing, without an exporter's own cost.
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemoryMetricExporter, AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrument } from '../../../dist/otel.js';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new NoopSpanProcessor()] });
const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 });
instrument({ tracerProvider, meterProvider: new MeterProvider({ readers: [reader] }) });

export * from './warren.mjs';
export const name = 'warren-otel';
