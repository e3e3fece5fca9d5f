import nodemailer from 'nodemailer';
import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { SettingValue } from '@protocol/types';

/** The SMTP settings GoTrue uses, as the agent sends with them. */
export interface SmtpSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  adminEmail: string;
  senderName: string;
}

export function smtpSettingsOf(
  values: Readonly<Record<string, SettingValue>>,
  secrets: Readonly<Record<string, string>>,
): SmtpSettings {
  return {
    host: String(values['smtp.host'] ?? 'supabase-mail'),
    port: Number(values['smtp.port'] ?? 2500),
    user: String(values['smtp.user'] ?? ''),
    password: secrets['smtp.password'] ?? '',
    adminEmail: String(values['smtp.adminEmail'] ?? 'admin@example.com'),
    senderName: String(values['smtp.senderName'] ?? ''),
  };
}

export type SendMail = (smtp: SmtpSettings, to: string, projectName: string) => Promise<string>;

/**
 * Sends one message the way GoTrue will: same server, port, login and sender. Port 465 speaks
 * TLS from the start; others upgrade with STARTTLS when the server offers it. Failures come
 * back as EMAIL_FAILED with the server's own words (never the password).
 */
export const sendTestEmail: SendMail = async (smtp, to, projectName) => {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.port === 465,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  try {
    const info = await transport.sendMail({
      from: smtp.senderName ? { name: smtp.senderName, address: smtp.adminEmail } : smtp.adminEmail,
      to,
      subject: `Test email from ${projectName}`,
      text:
        `This message was sent by Ultrabase with the SMTP settings of the project "${projectName}".\n` +
        'If it arrived, sign-up confirmations, magic links and password resets can be delivered.\n',
    });
    return info.messageId;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AgentError(
      ErrorCode.EMAIL_FAILED,
      `The test email could not be sent through ${smtp.host}:${smtp.port}: ${reason}`,
      { host: smtp.host, port: smtp.port },
    );
  } finally {
    transport.close();
  }
};
