// Physical and logical names (core/naming.ts) and the error helpers (core/errors.ts), written out by hand: each name
// carries app and stage, fits its service's limit, and a name cut to fit ends in a hash of the whole (the hash is
// computed here with node:crypto, independently of fit()).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { engineMessage, isStrataError, StrataError } from '../core/errors.ts';
import { fit, pascal, physicalNames, stateMachineArn } from '../core/naming.ts';

const sha8 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);

describe('naming', () => {
  it('pascal: words of letters and digits, each capitalised, the rest dropped', () => {
    expect(pascal('order_lines')).toBe('OrderLines');
    expect(pascal('__a--b2__c')).toBe('AB2C');
    expect(pascal('x')).toBe('X');
  });

  it('fit: a name within the limit is kept; a longer one is cut to max - 9, stripped of trailing - and _, and given -<8 hex of its sha256>', () => {
    expect(fit('abcde', 5)).toBe('abcde');
    const long = 'abcdefgh-_-ijklmnop'; // 19 characters; max 18 keeps 9: "abcdefgh-", stripped to "abcdefgh"
    expect(fit(long, 18)).toBe(`abcdefgh-${sha8(long)}`);
    expect(fit(long, 18)).toHaveLength(17);
    const trail = 'abcdef-_-ijklmnopq'; // max 18 keeps 9: "abcdef-_-", stripped to "abcdef"
    expect(fit(trail + 'x', 18)).toBe(`abcdef-${sha8(trail + 'x')}`);
    const runs = 'ab_cd_efghijklmnopq'; // max 14 keeps 5: "ab_cd" (inner _ stays)
    expect(fit(runs, 14)).toBe(`ab_cd-${sha8(runs)}`);
  });

  it('physical names: app and stage dashed (or underscored for Glue), the dataset\'s _ as -, each kind\'s suffix', () => {
    const n = physicalNames({ app: 'My App', stage: 'Dev_1' });
    expect(n.base).toBe('my-app-dev-1');
    expect(n.database('silver')).toBe('my_app_dev_1_silver');
    expect(n.bucketPrefix('lake')).toBe('my-app-dev-1-lake-');
    expect(n.function('order_lines', 'stage')).toBe('my-app-dev-1-order-lines-stage');
    expect(n.function(undefined, 'watch')).toBe('my-app-dev-1-watch');
    expect(n.role('order_lines', 'sfn')).toBe('my-app-dev-1-order-lines-sfn');
    expect(n.role(undefined, 'glue')).toBe('my-app-dev-1-glue');
    expect(n.stateMachine('order_lines')).toBe('my-app-dev-1-order-lines');
    expect(n.rule('order_lines')).toBe('my-app-dev-1-order-lines-bronze');
    expect(n.workgroup('users')).toBe('my-app-dev-1-users');
    expect(n.alarm('dlq')).toBe('my-app-dev-1-dlq');
    expect(n.queue('dlq')).toBe('my-app-dev-1-dlq');
    expect(n.topic('alerts')).toBe('my-app-dev-1-alerts');
    expect(n.policy('read')).toBe('my-app-dev-1-read');
    expect(n.keyAlias()).toBe('alias/my-app-dev-1-lake');
    expect(n.deliveryStream('order_lines')).toBe('my-app-dev-1-order-lines');
    expect(n.kinesisStream('order_lines')).toBe('my-app-dev-1-order-lines');
    expect(n.compactionStateMachine('order_lines')).toBe('my-app-dev-1-order-lines-compaction');
    expect(n.schedule('order_lines')).toBe('my-app-dev-1-order-lines-compaction');
    expect(n.stateMachineLogGroup('order_lines')).toBe('/aws/vendedlogs/states/my-app-dev-1-order-lines');
  });

  it('a run of other characters becomes one - (one _ for Glue)', () => {
    const n = physicalNames({ app: 'a  &b', stage: 'x..y' });
    expect(n.base).toBe('a-b-x-y');
    expect(n.database('gold')).toBe('a_b_x_y_gold');
  });

  it('physical names fit their limits: function and role 64, state machine 80, bucket prefix 37 with its dash', () => {
    const n = physicalNames({ app: 'a'.repeat(40), stage: 'prod' });
    const fn = `${'a'.repeat(40)}-prod-orders-stage`; // 58: fits 64
    expect(n.function('orders', 'stage')).toBe(fn);
    const longer = `${'a'.repeat(40)}-prod-order-lines-validate`; // 66: cut to 55 + "-" + 8
    expect(n.function('order_lines', 'validate')).toBe(`${longer.slice(0, 55)}-${sha8(longer)}`);
    expect(n.role('order_lines', 'validate')).toBe(`${longer.slice(0, 55)}-${sha8(longer)}`);
    const sm = `${'a'.repeat(40)}-prod-${'d'.repeat(40)}`; // 86: cut to 71
    expect(n.stateMachine('d'.repeat(40))).toBe(`${sm.slice(0, 71)}-${sha8(sm)}`);
    const bucket = `${'a'.repeat(40)}-prod-lake`; // 50: cut to 27
    expect(n.bucketPrefix('lake')).toBe(`${bucket.slice(0, 27)}-${sha8(bucket)}-`);
    expect(n.bucketPrefix('lake')).toHaveLength(37);
    const sched = `${'a'.repeat(40)}-prod-orders-compaction`; // 63: fits 64; the state machine's limit is 80
    expect(n.schedule('orders')).toBe(sched);
    const sched2 = `${'a'.repeat(40)}-prod-orders22-compaction`; // 65: cut to 55, "…-prod-orders22-", whose trailing - goes
    expect(n.schedule('orders22')).toBe(`${'a'.repeat(40)}-prod-orders22-${sha8(sched2)}`);
    expect(n.compactionStateMachine('orders22')).toBe(sched2);
    const ds = `${'a'.repeat(40)}-prod-${'s'.repeat(30)}`; // 76: over 64, within 128
    expect(n.deliveryStream('s'.repeat(30))).toBe(`${ds.slice(0, 55)}-${sha8(ds)}`);
    expect(n.kinesisStream('s'.repeat(30))).toBe(ds);
    expect(n.rule('s'.repeat(10))).toBe(`${'a'.repeat(40)}-prod-ssssssssss-bronze`); // 63
  });

  it('a state machine\'s ARN', () => {
    expect(stateMachineArn({ partition: 'aws-cn', region: 'cn-north-1', accountId: '123456789012' }, 'm')).toBe('arn:aws-cn:states:cn-north-1:123456789012:stateMachine:m');
  });
});

describe('errors', () => {
  it('isStrataError: an Error whose name starts with Strata.', () => {
    expect(isStrataError(new StrataError('Strata.InvalidInput', 'x'))).toBe(true);
    expect(isStrataError(Object.assign(new Error('x'), { name: 'Strata.Internal' }))).toBe(true);
    expect(isStrataError(new Error('x'))).toBe(false);
    expect(isStrataError(Object.assign(new Error('x'), { name: 'NotStrata.X' }))).toBe(false);
    expect(isStrataError({ name: 'Strata.InvalidInput', message: 'x' })).toBe(false);
  });

  it('engineMessage: the first line, without a leading "<Words> Error: " class, trimmed', () => {
    expect(engineMessage(new Error('Invalid Input Error: bad value\nLINE 1: ...'))).toBe('bad value');
    expect(engineMessage(new Error('Binder Error: x  '))).toBe('x');
    expect(engineMessage(new Error('  no class here '))).toBe('no class here');
    expect(engineMessage(new Error('at "Conversion Error: x"'))).toBe('at "Conversion Error: x"');
    expect(engineMessage(new Error('invalid Error: x'))).toBe('invalid Error: x');
    expect(engineMessage(new Error('IO3 Error: x'))).toBe('IO3 Error: x');
    expect(engineMessage('Parser Error: y')).toBe('y');
  });
});
