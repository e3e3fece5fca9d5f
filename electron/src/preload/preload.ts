import { contextBridge } from 'electron';
contextBridge.exposeInMainWorld('ultrabase', {});
