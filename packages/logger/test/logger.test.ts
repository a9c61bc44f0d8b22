import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, redact, maskPhone } from '@switchboard/logger';

describe('redact', () => {
  test('secrets and signatures never reach a log line', () => {
    const out = redact({
      authToken: 'abc',
      headers: { 'x-twilio-signature': 'sig==', 'webhook-signature': 'v1,xyz', authorization: 'Bearer t', 'user-agent': 'TwilioProxy/1.1' },
      nested: [{ secret: 'whsec_x' }],
      ok: 'visible',
    });
    expect(JSON.stringify(out)).not.toMatch(/abc|sig==|v1,xyz|Bearer t|whsec_x/);
    expect(out).toMatchObject({ ok: 'visible', headers: { 'user-agent': 'TwilioProxy/1.1' } });
  });

  test('phone numbers are masked, keeping the country code and the last two digits', () => {
    expect(maskPhone('+33612345678')).toBe('+33*******78');
    expect(redact({ from: 'whatsapp:+33612345678', sender: 'jane@example.com' })).toEqual({ from: 'whatsapp:+33*******78', sender: 'j***@example.com' });
  });
});

describe('createLogger', () => {
  test('a line tagged with an integration lands in that integration file, redacted', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-log-'));
    const logger = createLogger({ service: 'test', level: 'info', dir, format: 'json', console: false });
    logger.child({ integration: 'sms' }).info('inbound sms accepted', { from: '+33612345678', signature: 'secret-sig' });
    logger.info('not for any integration');
    await new Promise<void>((resolve) => {
      logger.on('finish', resolve);
      logger.end();
    });
    const deadline = Date.now() + 5000;
    let text = '';
    while (Date.now() < deadline) {
      text = fs.existsSync(path.join(dir, 'sms.log')) ? fs.readFileSync(path.join(dir, 'sms.log'), 'utf8') : '';
      if (text.includes('inbound sms accepted')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const line = JSON.parse(text.trim().split('\n')[0]!);
    expect(line).toMatchObject({ message: 'inbound sms accepted', integration: 'sms', service: 'test', from: '+33*******78', signature: '[redacted]' });
    expect(text).not.toContain('not for any integration');
    expect(fs.readFileSync(path.join(dir, 'email.log'), 'utf8')).toBe('');
  });

  test('a level below the configured one writes nothing, and a level raised at run time is written, child loggers alike', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-log-'));
    const logger = createLogger({ service: 'test', level: 'warn', dir, format: 'json', console: false });
    const sms = logger.child({ integration: 'sms' });
    expect(logger.isLevelEnabled('debug')).toBe(false);
    sms.debug('hidden debug', { from: '+33612345678' });
    sms.info('hidden info');
    sms.warn('shown warn', { from: '+33612345678' });
    logger.level = 'debug';
    sms.debug('shown debug', { signature: 'secret-sig' });
    await new Promise<void>((resolve) => {
      logger.on('finish', resolve);
      logger.end();
    });
    const deadline = Date.now() + 5000;
    let lines: { message: string }[] = [];
    while (Date.now() < deadline) {
      const text = fs.existsSync(path.join(dir, 'sms.log')) ? fs.readFileSync(path.join(dir, 'sms.log'), 'utf8') : '';
      lines = text.trim() === '' ? [] : text.trim().split('\n').map((l) => JSON.parse(l) as { message: string });
      if (lines.length >= 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(lines).toEqual([
      expect.objectContaining({ message: 'shown warn', level: 'warn', integration: 'sms', from: '+33*******78' }),
      expect.objectContaining({ message: 'shown debug', level: 'debug', integration: 'sms', signature: '[redacted]' }),
    ]);
  });
});
