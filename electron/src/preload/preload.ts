// Runs sandboxed, before the page, with access to a small part of Electron. It hands the page
// one frozen object; ipcRenderer itself stays here (exposing it would let the page send any
// message on any channel).
import { contextBridge, ipcRenderer } from 'electron';
import type { DesktopEvent } from '@contract/api';
import { EVENT_CHANNEL } from './channels';
import { createDesktopBridge } from './bridge';

const api = createDesktopBridge({
  invoke: (channel, args) => ipcRenderer.invoke(channel, args),
  listen: (onEvent) => {
    ipcRenderer.on(EVENT_CHANNEL, (_event, payload: DesktopEvent) => onEvent(payload));
  },
});

contextBridge.exposeInMainWorld('ultrabase', api);
