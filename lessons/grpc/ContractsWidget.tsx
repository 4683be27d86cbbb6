'use client';

import { fromBinary, toBinary, toJsonString } from '@bufbuild/protobuf';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { useMemo, useState } from 'react';
import { AnnotatedHexDump } from '../../components/lab/AnnotatedHexDump';
import { createGrpcTransport, type GrpcCall } from '../../components/lab/clients/grpc';
import { useLab } from '../../components/lab/LabProvider';
import { annotateProtobuf } from '../../components/lab/protobuf-annotations';
import { CodeBlock, WideTable } from '../../components/lab/Scrollable';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import { TransactionSchema } from '../../proto/gen/lab/bank/v1/bank_pb';
import {
  AccountService as OldAccountService,
  TransactionSchema as OldTransactionSchema,
} from '../../proto/gen/legacy/lab/bank/v1/bank_v0_pb';
import { messageToProto } from './proto-text';
import styles from './widgets.module.css';

interface Outcome {
  /** The response message bytes (envelope stripped) exactly as the server sent them. */
  bytes: Uint8Array;
  oldJson: string;
  newJson: string;
  oldAmount: string;
  newAmount: string;
  oldMemo: string;
  unknownFields: { no: number; wireType: number; bytes: number }[];
  /** The old client re-encodes what it decoded: are the unknown field's bytes still there? */
  reencodedCategory: string;
  accountError: string;
}

/**
 * Experiment 7: a client generated from version 0 of the contract
 * (proto/legacy/) calls the current server. Everything below is real
 * encode/decode: the old client decodes the server's bytes with the old
 * messages, the page decodes the same bytes with the new ones.
 */
export function ContractsWidget() {
  const { record, fetch } = useLab();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [pending, setPending] = useState(false);
  const calls = useMemo(() => [] as GrpcCall[], []);
  const oldClient = useMemo(
    () => createClient(OldAccountService, createGrpcTransport(record, fetch, { onCall: (c) => calls.push(c) })),
    [record, fetch, calls],
  );

  const run = async () => {
    setPending(true);
    calls.length = 0;
    try {
      let oldTx: ReturnType<typeof fromBinary<typeof OldTransactionSchema>> | undefined;
      for await (const res of oldClient.streamTransactions({ accountId: '123', limit: 1 })) oldTx = res.transaction;
      const wire = calls.find((c) => c.rpc === 'StreamTransactions')?.messages.find((m) => m.dir === 'in' && !m.endFrame);
      let accountError = 'decoded without error';
      try {
        await oldClient.getAccount({ accountId: '123' });
      } catch (error: unknown) {
        const e = ConnectError.from(error);
        accountError = `[${Code[e.code]}] ${e.rawMessage}`;
      }
      if (!oldTx || !wire) throw new Error('no transaction arrived');
      // The response message wraps the transaction in field 1: decode the wrapper with each version.
      const newTx = fromBinary(TransactionSchema, innerField1(wire.data));
      const reencoded = fromBinary(TransactionSchema, toBinary(OldTransactionSchema, oldTx));
      setOutcome({
        bytes: innerField1(wire.data),
        oldJson: toJsonString(OldTransactionSchema, oldTx, { prettySpaces: 2 }),
        newJson: toJsonString(TransactionSchema, newTx, { prettySpaces: 2 }),
        oldAmount: String(oldTx.amountCents),
        newAmount: String(newTx.amountCents),
        oldMemo: oldTx.memo,
        unknownFields: (oldTx.$unknown ?? []).map((u) => ({ no: u.no, wireType: u.wireType, bytes: u.data.length })),
        reencodedCategory: reencoded.category,
        accountError,
      });
    } catch (error: unknown) {
      setOutcome(null);
      record({ protocol: 'grpc', kind: 'note', summary: `Contracts experiment failed: ${(error as Error).message}` });
    } finally {
      setPending(false);
    }
  };

  return (
    <WidgetFrame title="An old client meets the new server" testId="grpc-contracts-widget">
      <div className={styles.columns}>
        <div>
          <p className={styles.muted}>Version 0 (the old client)</p>
          <CodeBlock className={styles.code}>{messageToProto(OldTransactionSchema)}</CodeBlock>
        </div>
        <div>
          <p className={styles.muted}>Current (the server)</p>
          <CodeBlock className={styles.code}>{messageToProto(TransactionSchema)}</CodeBlock>
        </div>
      </div>
      <div className={styles.row} style={{ marginTop: 8 }}>
        <button type="button" className="lab-button" onClick={() => void run()} disabled={pending} data-testid="contracts-run">
          {pending ? 'Calling…' : 'Call the new server with the old client'}
        </button>
      </div>
      {outcome && (
        <>
          <div className={styles.tableScroll}>
            <WideTable className={styles.table}>
              <thead>
                <tr>
                  <th>change</th>
                  <th>old client reads</th>
                  <th>new schema reads</th>
                </tr>
              </thead>
              <tbody>
                <tr data-testid="contracts-renamed">
                  <td>renamed: memo → description (field 4)</td>
                  <td data-testid="contracts-old-memo">memo = {JSON.stringify(outcome.oldMemo)}</td>
                  <td>
                    description ={' '}
                    {JSON.parse(outcome.newJson).description ? JSON.stringify(JSON.parse(outcome.newJson).description) : ''}
                  </td>
                </tr>
                <tr data-testid="contracts-type-changed">
                  <td>type changed: int64 → sint64 (field 3)</td>
                  <td data-testid="contracts-old-amount">amount_cents = {outcome.oldAmount}</td>
                  <td data-testid="contracts-new-amount">amount_cents = {outcome.newAmount}</td>
                </tr>
                <tr data-testid="contracts-type-failed">
                  <td>type changed: string → Money (Account.balance, field 3)</td>
                  <td data-testid="contracts-account-error">{outcome.accountError}</td>
                  <td>a Money message</td>
                </tr>
                <tr data-testid="contracts-unknown">
                  <td>added: category (field 8)</td>
                  <td data-testid="contracts-unknown-fields">
                    kept as unknown:{' '}
                    {outcome.unknownFields
                      .map((u) => `field ${u.no} (wire type ${u.wireType}, ${u.bytes} bytes kept after the tag)`)
                      .join(', ') || 'none'}
                    ; re-encoded, it still carries category = {JSON.stringify(outcome.reencodedCategory)}
                  </td>
                  <td>category = {JSON.stringify(JSON.parse(outcome.newJson).category ?? '')}</td>
                </tr>
              </tbody>
            </WideTable>
          </div>
          <div className={styles.columns}>
            <div>
              <p className={styles.muted}>The transaction's bytes, read with version 0</p>
              <AnnotatedHexDump
                bytes={outcome.bytes}
                spans={annotateProtobuf(outcome.bytes, OldTransactionSchema)}
                testId="contracts-old-hex"
              />
              <CodeBlock className={styles.code}>{outcome.oldJson}</CodeBlock>
            </div>
            <div>
              <p className={styles.muted}>The same bytes, read with the current contract</p>
              <AnnotatedHexDump
                bytes={outcome.bytes}
                spans={annotateProtobuf(outcome.bytes, TransactionSchema)}
                testId="contracts-new-hex"
              />
              <CodeBlock className={styles.code}>{outcome.newJson}</CodeBlock>
            </div>
          </div>
        </>
      )}
    </WidgetFrame>
  );
}

/** The bytes of field 1 (a length-delimited field) of a message: StreamTransactionsResponse.transaction. */
function innerField1(message: Uint8Array): Uint8Array {
  const reader = new BinaryReader(message);
  const [field] = reader.tag();
  return field === 1 ? reader.bytes() : new Uint8Array(0);
}
