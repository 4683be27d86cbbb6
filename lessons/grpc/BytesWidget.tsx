'use client';

import { type DescMessage, fromBinary, fromJsonString, toBinary, toJsonString } from '@bufbuild/protobuf';
import { useCallback, useState } from 'react';
import { AnnotatedHexDump } from '../../components/lab/AnnotatedHexDump';
import type { ByteSpan } from '../../components/lab/byte-annotations';
import type { GrpcCall, GrpcWireMessage } from '../../components/lab/clients/grpc';
import { annotateGrpcMessage } from '../../components/lab/protobuf-annotations';
import { CodeBlock } from '../../components/lab/Scrollable';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import { errorText, useAccountClient } from './grpc';
import styles from './widgets.module.css';

/** The same message in both encodings, measured: what the wire carried, and its twin in the other codec. */
function sizes(schema: DescMessage, message: GrpcWireMessage, binary: boolean) {
  const decoded = binary ? fromBinary(schema, message.data) : fromJsonString(schema, new TextDecoder().decode(message.data));
  const json = toJsonString(schema, decoded);
  return {
    binary: toBinary(schema, decoded).length,
    json: new TextEncoder().encode(json).length,
    pretty: toJsonString(schema, decoded, { prettySpaces: 2 }),
  };
}

function spansFor(call: GrpcCall, message: GrpcWireMessage, binary: boolean): ByteSpan[] {
  const schema = message.dir === 'out' ? call.inputType : call.outputType;
  if (binary) return annotateGrpcMessage(message.raw, schema, message.envelope);
  return [
    {
      start: 0,
      end: message.raw.length,
      role: 'text',
      label: `JSON text: field names spelled out, numbers as digits (${schema.typeName})`,
      depth: 0,
    },
  ];
}

function MessageView({
  call,
  message,
  binary,
  testId,
}: {
  call: GrpcCall;
  message: GrpcWireMessage;
  binary: boolean;
  testId: string;
}) {
  const schema = message.dir === 'out' ? call.inputType : call.outputType;
  const measured = sizes(schema, message, binary);
  return (
    <div data-testid={testId}>
      <AnnotatedHexDump bytes={message.raw} spans={spansFor(call, message, binary)} testId={`${testId}-hex`} />
      <dl className={styles.facts}>
        <dt>binary (protobuf)</dt>
        <dd data-testid={`${testId}-binary-size`}>{measured.binary} bytes</dd>
        <dt>JSON</dt>
        <dd data-testid={`${testId}-json-size`}>{measured.json} bytes</dd>
        <dt>JSON ÷ binary</dt>
        <dd data-testid={`${testId}-ratio`}>{(measured.json / Math.max(1, measured.binary)).toFixed(2)}×</dd>
      </dl>
      <p className={styles.muted}>
        The same message as JSON (the field names in the hex dump's labels are the .proto's; JSON uses lowerCamelCase)
      </p>
      <CodeBlock className={styles.code}>{measured.pretty}</CodeBlock>
    </div>
  );
}

/** Experiment 2: the request and response bytes of one call, annotated field by field, in binary or JSON. */
export function BytesWidget() {
  const [binary, setBinary] = useState(true);
  const [accountId, setAccountId] = useState('123');
  const [call, setCall] = useState<GrpcCall | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const onCall = useCallback((c: GrpcCall) => setCall(c), []);
  const client = useAccountClient({ binary, onCall });

  const send = async () => {
    setFailure(null);
    try {
      await client.getAccount({ accountId: accountId.trim() });
    } catch (error: unknown) {
      setFailure(errorText(error));
    }
  };
  const request = call?.messages.find((m) => m.dir === 'out');
  const response = call?.messages.find((m) => m.dir === 'in' && !m.endFrame);
  const callBinary = call ? !call.contentType.includes('json') : binary;

  return (
    <WidgetFrame title="GetAccount, byte by byte" testId="grpc-bytes-widget">
      <div className={styles.row}>
        <label>
          Account{' '}
          <input
            className="lab-input"
            value={accountId}
            onChange={(e) => setAccountId(e.target.value)}
            data-testid="bytes-account"
            size={6}
          />
        </label>
        <fieldset className={styles.row} style={{ border: 0, margin: 0, padding: 0 }}>
          <label>
            <input
              type="radio"
              name="grpc-format"
              checked={binary}
              onChange={() => setBinary(true)}
              data-testid="bytes-format-binary"
            />{' '}
            binary (application/proto)
          </label>
          <label>
            <input
              type="radio"
              name="grpc-format"
              checked={!binary}
              onChange={() => setBinary(false)}
              data-testid="bytes-format-json"
            />{' '}
            JSON (application/json)
          </label>
        </fieldset>
        <button type="button" className="lab-button" onClick={() => void send()} data-testid="bytes-send">
          Call GetAccount
        </button>
      </div>
      {failure && <p className={styles.error}>{failure}</p>}
      {call && (
        <>
          <dl className={styles.facts}>
            <dt>content type</dt>
            <dd data-testid="bytes-content-type">{call.contentType}</dd>
            <dt>status</dt>
            <dd data-testid="bytes-status">{call.code}</dd>
          </dl>
          <div className={styles.columns}>
            {request && (
              <div>
                <h4>Request ({call.inputType.name})</h4>
                <MessageView call={call} message={request} binary={callBinary} testId="bytes-request" />
              </div>
            )}
            {response && (
              <div>
                <h4>Response ({call.outputType.name})</h4>
                <MessageView call={call} message={response} binary={callBinary} testId="bytes-response" />
              </div>
            )}
          </div>
        </>
      )}
    </WidgetFrame>
  );
}
